package org.beear.llm.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.beear.llm.text.jinja.Cancellation;
import org.beear.llm.text.jinja.JinjaException;
import org.beear.llm.text.jinja.JinjaTemplate;
import org.beear.llm.text.jinja.TemplateLimits;

/**
 * A model's chat template (Jinja, as in HF tokenizer_config.json), rendered by this project's own
 * sandboxed Jinja2 interpreter ({@link JinjaTemplate}) exactly as transformers' apply_chat_template
 * renders it. The template comes from the (untrusted) model: it is parsed once, refused if longer than
 * {@link TemplateLimits#maxTemplateChars()} or malformed, and every render is bounded in output, steps,
 * characters built and time, and stops when its caller's {@link Cancellation} says so. Messages reach the template
 * as values, never as template text.
 *
 * <p>Rendered prompts already contain the BOS token if the template emits {@code bos_token}: encode
 * them with {@code TextTokenizer.encode(prompt, false)}.
 */
public final class ChatTemplate {

  static final String CHAT_TEMPLATE_FILE = "chat_template.jinja";

  private final String source;
  private final JinjaTemplate compiled;

  private ChatTemplate(String source, TemplateLimits limits, Clock clock) {
    this.source = source;
    try {
      this.compiled = JinjaTemplate.compile(source, limits, clock);
    } catch (JinjaException e) {
      throw new ChatTemplateException("unusable chat template: " + e.getMessage(), e);
    }
  }

  private ChatTemplate(String source) {
    this(source, TemplateLimits.DEFAULT, Clock.systemDefaultZone());
  }

  /** A template with explicit limits and the clock its {@code strftime_now} reads. */
  public static ChatTemplate of(String jinjaSource, TemplateLimits limits, Clock clock) {
    return new ChatTemplate(jinjaSource, limits, clock);
  }

  /** A template from its Jinja source text. */
  public static ChatTemplate of(String jinjaSource) {
    return new ChatTemplate(jinjaSource);
  }

  /**
   * The template of a model directory: {@code chat_template.jinja} if present (newer transformers save it
   * there and prefer it), else tokenizer_config.json's {@code chat_template}, either a string or a list of
   * {@code {name, template}} of which "default" is taken.
   *
   * @throws ChatTemplateException if the directory has no chat template
   */
  public static ChatTemplate fromModelDir(Path modelDir) {
    try {
      Path jinjaFile = modelDir.resolve(CHAT_TEMPLATE_FILE);
      if (Files.isRegularFile(jinjaFile)) {
        // a UTF-8 file has at least as many bytes as characters: refuse oversized ones before reading them
        if (Files.size(jinjaFile) > 4L * TemplateLimits.DEFAULT.maxTemplateChars()) {
          throw new ChatTemplateException(CHAT_TEMPLATE_FILE + " in " + modelDir + " is larger than "
              + TemplateLimits.DEFAULT.maxTemplateChars() + " characters allow");
        }
        return new ChatTemplate(Files.readString(jinjaFile));
      }
      Path config = modelDir.resolve(TokenizerFiles.TOKENIZER_CONFIG);
      if (Files.isRegularFile(config)) {
        JsonElement template = configObject(config).get("chat_template");
        if (template != null && template.isJsonPrimitive()) {
          return new ChatTemplate(template.getAsString());
        }
        if (template != null && template.isJsonArray()) {
          for (JsonElement named : template.getAsJsonArray()) {
            JsonObject entry = named.isJsonObject() ? named.getAsJsonObject() : new JsonObject();
            if (!isString(entry.get("name")) || !isString(entry.get("template"))) {
              throw new ChatTemplateException(config + ": each of the listed chat templates must be an object"
                  + " with a string \"name\" and \"template\"");
            }
            if ("default".equals(entry.get("name").getAsString())) {
              return new ChatTemplate(entry.get("template").getAsString());
            }
          }
          throw new ChatTemplateException("tokenizer_config.json in " + modelDir + " lists chat templates but none named \"default\"");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read chat template of " + modelDir, e);
    }
    throw new ChatTemplateException(
        "no chat template in "
            + modelDir
            + " (neither "
            + CHAT_TEMPLATE_FILE
            + " nor a chat_template in tokenizer_config.json); choose a builtin one: "
            + builtinNames());
  }

  /** The model's tokenizer_config.json; broken JSON is the model's problem, told as such. */
  private static JsonObject configObject(Path config) throws IOException {
    JsonElement root;
    try {
      root = JsonParser.parseString(Files.readString(config));
    } catch (JsonParseException e) {
      throw new ChatTemplateException(config + " is not valid JSON: " + e.getMessage(), e);
    }
    if (!root.isJsonObject()) {
      throw new ChatTemplateException(config + " must hold a JSON object");
    }
    return root.getAsJsonObject();
  }

  private static boolean isString(JsonElement value) {
    return value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isString();
  }

  /** A published template by name, see {@link #builtinNames()}. */
  public static ChatTemplate builtin(String name) {
    String source = BuiltinChatTemplates.BY_NAME.get(name);
    if (source == null) {
      throw new ChatTemplateException("unknown builtin chat template '" + name + "'; known: " + builtinNames());
    }
    return new ChatTemplate(source);
  }

  /** "llama2", "llama3", "mistral", "chatml". */
  public static List<String> builtinNames() {
    return List.copyOf(BuiltinChatTemplates.BY_NAME.keySet());
  }

  /** The Jinja source as given. */
  public String source() {
    return source;
  }

  /**
   * Renders a conversation to the prompt text.
   *
   * @param addGenerationPrompt append the header that starts the assistant's answer (if the template has one)
   * @throws ChatTemplateException if the template raises (e.g. roles out of order) or fails to render
   */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt, String bosToken, String eosToken) {
    return render(messages, addGenerationPrompt, bosToken, eosToken, Cancellation.NONE);
  }

  /**
   * As {@link #render(List, boolean, String, String)}, asking {@code cancellation} at every step of the render
   * whether to go on: a job's cancel stops a render at once, with the exception the job's cancellation throws.
   */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt, String bosToken, String eosToken,
      Cancellation cancellation) {
    List<Map<String, Object>> messageMaps = new ArrayList<>();
    for (ChatMessage m : messages) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("role", m.role());
      map.put("content", m.content());
      messageMaps.add(map);
    }
    // the variables transformers passes: tools and documents are None when not given
    Map<String, Object> context = new HashMap<>();
    context.put("messages", messageMaps);
    context.put("tools", null);
    context.put("documents", null);
    context.put("add_generation_prompt", addGenerationPrompt);
    context.put("bos_token", bosToken == null ? "" : bosToken);
    context.put("eos_token", eosToken == null ? "" : eosToken);
    try {
      return compiled.render(context, cancellation);
    } catch (JinjaException e) {
      if (e.kind() == JinjaException.Kind.RAISED) {
        throw new ChatTemplateException("chat template refused the conversation: " + e.getMessage(), e);
      }
      boolean limit = e.kind() == JinjaException.Kind.LIMIT;
      throw new ChatTemplateException("chat template failed to render: " + e.getMessage()
          + (limit ? " (a sandbox limit for untrusted templates)" : ""), e, limit);
    }
  }
}
