package org.beear.llm;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.beear.llm.text.ChatMessage;
import org.beear.llm.text.ChatTemplate;
import org.beear.llm.text.ChatTemplateException;
import org.beear.llm.text.TextTokenizer;
import org.beear.llm.text.jinja.Cancellation;

/**
 * Turns user queries and assistant responses into token ids the way the model was trained to see them: through
 * its chat template, with the template's own special tokens (so no extra BOS is added by the tokenizer).
 */
public final class ChatCodec implements AutoCloseable {
  /** The message of the exception a job's cancel stops a render with. */
  public static final String RENDER_CANCELLED = "cancelled while rendering the model's chat template";

  private final TextTokenizer tokenizer;
  private final ChatTemplate template;
  private final Set<Long> stopIds;
  private final String systemPrompt;
  private final Cancellation cancellation;

  public ChatCodec(TextTokenizer tokenizer, ChatTemplate template, List<Integer> configEosIds) {
    this(tokenizer, template, stopIds(tokenizer, configEosIds), null, Cancellation.NONE);
  }

  private ChatCodec(TextTokenizer tokenizer, ChatTemplate template, Set<Long> stopIds, String systemPrompt,
      Cancellation cancellation) {
    this.tokenizer = tokenizer;
    this.template = template;
    this.stopIds = stopIds;
    this.systemPrompt = systemPrompt;
    this.cancellation = cancellation;
  }

  private static Set<Long> stopIds(TextTokenizer tokenizer, List<Integer> configEosIds) {
    Set<Long> stops = new LinkedHashSet<>();
    configEosIds.forEach(id -> stops.add(id.longValue()));
    Arrays.stream(tokenizer.eosIds()).forEach(stops::add);
    return Set.copyOf(stops);
  }

  /**
   * The same codec with a system message before every conversation it renders (null or blank: none). Fails with
   * an {@link IllegalArgumentException} if the model's chat template refuses a system message, as some published
   * templates do (Mistral's v0.1 raises on any role but user and assistant); a template that runs past its sandbox
   * limits fails with its {@link ChatTemplateException}, a cancel with the cancellation's exception.
   */
  public ChatCodec withSystemPrompt(String prompt) {
    String system = prompt == null || prompt.isBlank() ? null : prompt;
    ChatCodec codec = new ChatCodec(tokenizer, template, stopIds, system, cancellation);
    if (system != null) {
      try {
        codec.render(List.of(new ChatMessage("user", "Hello.")), true);
      } catch (ChatTemplateException e) {
        if (e.limitReached()) {
          throw e;
        }
        throw new IllegalArgumentException("the model's chat template does not accept a system prompt: "
            + e.getMessage(), e);
      }
    }
    return codec;
  }

  /** The same codec, its renders asking {@code cancellation} at every step whether to go on. */
  public ChatCodec withCancellation(Cancellation cancellation) {
    return new ChatCodec(tokenizer, template, stopIds, systemPrompt, cancellation);
  }

  /** The system message put before every conversation, or null. */
  public String systemPrompt() {
    return systemPrompt;
  }

  private String render(List<ChatMessage> turns, boolean generationPrompt) {
    List<ChatMessage> messages = turns;
    if (systemPrompt != null) {
      messages = new java.util.ArrayList<>();
      messages.add(new ChatMessage("system", systemPrompt));
      messages.addAll(turns);
    }
    return template.render(messages, generationPrompt, tokenizer.bosToken(), tokenizer.eosToken(), cancellation);
  }

  /** Tokenizer and template of a model directory; {@code templateName} picks a built-in one if the model has none. */
  public static ChatCodec load(Path modelDir, ModelConfig config, String templateName) {
    TextTokenizer tokenizer = TextTokenizer.load(modelDir);
    ChatTemplate template = templateName == null ? ChatTemplate.fromModelDir(modelDir) : ChatTemplate.builtin(templateName);
    return new ChatCodec(tokenizer, template, config.eosTokenIds());
  }

  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  /** Token ids at which generation of a response ends. */
  public Set<Long> stopIds() {
    return stopIds;
  }

  /** The prompt for a single user turn (after the system prompt, if any), ending where the answer starts. */
  public long[] prompt(String userMessage) {
    return tokenizer.encode(render(List.of(new ChatMessage("user", userMessage)), true), false);
  }

  /**
   * Prompt and response ids of a single-turn exchange. The response is what the full rendered conversation adds
   * after the prompt, so it ends with the template's end-of-turn token(s).
   */
  public SequenceBatch.Example exchange(String userMessage, String response) {
    long[] prompt = prompt(userMessage);
    String full = render(List.of(new ChatMessage("user", userMessage), new ChatMessage("assistant", response)),
        false);
    long[] all = tokenizer.encode(full, false);
    if (all.length > prompt.length && Arrays.equals(Arrays.copyOf(all, prompt.length), prompt)) {
      return new SequenceBatch.Example(prompt, Arrays.copyOfRange(all, prompt.length, all.length));
    }
    // the template renders the turn differently from a generation prompt: encode the answer on its own
    long[] body = tokenizer.encode(response, false);
    long[] withEos = Arrays.copyOf(body, body.length + 1);
    withEos[body.length] = tokenizer.eosIds().length > 0 ? tokenizer.eosIds()[0] : tokenizer.padId();
    return new SequenceBatch.Example(prompt, withEos);
  }

  /** Response text without special tokens and without what follows the first stop token. */
  public String decodeResponse(long[] ids) {
    int end = ids.length;
    for (int i = 0; i < ids.length; i++) {
      if (stopIds.contains(ids[i])) {
        end = i;
        break;
      }
    }
    return tokenizer.decode(Arrays.copyOf(ids, end), true).strip();
  }

  /**
   * Closes the tokenizer, which codecs made by {@link #withSystemPrompt} share: close only one of them.
   */
  @Override
  public void close() {
    tokenizer.close();
  }
}
