package org.beear.llm;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.beear.llm.text.ChatMessage;
import org.beear.llm.text.ChatTemplate;
import org.beear.llm.text.TextTokenizer;

/**
 * Turns user queries and assistant responses into token ids the way the model was trained to see them: through
 * its chat template, with the template's own special tokens (so no extra BOS is added by the tokenizer).
 */
public final class ChatCodec implements AutoCloseable {
  private final TextTokenizer tokenizer;
  private final ChatTemplate template;
  private final Set<Long> stopIds;

  public ChatCodec(TextTokenizer tokenizer, ChatTemplate template, List<Integer> configEosIds) {
    this.tokenizer = tokenizer;
    this.template = template;
    Set<Long> stops = new LinkedHashSet<>();
    configEosIds.forEach(id -> stops.add(id.longValue()));
    Arrays.stream(tokenizer.eosIds()).forEach(stops::add);
    this.stopIds = Set.copyOf(stops);
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

  /** The prompt for a single user turn, ending where the assistant's answer starts. */
  public long[] prompt(String userMessage) {
    String text = template.render(List.of(new ChatMessage("user", userMessage)), true,
        tokenizer.bosToken(), tokenizer.eosToken());
    return tokenizer.encode(text, false);
  }

  /**
   * Prompt and response ids of a single-turn exchange. The response is what the full rendered conversation adds
   * after the prompt, so it ends with the template's end-of-turn token(s).
   */
  public SequenceBatch.Example exchange(String userMessage, String response) {
    long[] prompt = prompt(userMessage);
    String full = template.render(
        List.of(new ChatMessage("user", userMessage), new ChatMessage("assistant", response)), false,
        tokenizer.bosToken(), tokenizer.eosToken());
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

  @Override
  public void close() {
    tokenizer.close();
  }
}
