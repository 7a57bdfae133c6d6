package org.beear.llm.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A model's chat template (Jinja, as in HF tokenizer_config.json), rendered with Jinjava set up like
 * transformers' template environment: trim_blocks and lstrip_blocks on, {@code raise_exception(msg)}
 * available, and the Python idioms HF templates use adapted ({@link JinjaSourceAdapter}).
 *
 * <p>Rendered prompts already contain the BOS token if the template emits {@code bos_token}: encode
 * them with {@code TextTokenizer.encode(prompt, false)}.
 */
public final class ChatTemplate {

  static final String CHAT_TEMPLATE_FILE = "chat_template.jinja";

  private final String source;
  private final String adaptedSource;
  private final Jinjava jinjava;

  private ChatTemplate(String source) {
    this.source = source;
    this.adaptedSource = JinjaSourceAdapter.adapt(source);
    LegacyOverrides python =
        LegacyOverrides.newBuilder()
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .withIterateOverMapKeys(true)
            .withKeepNullableLoopValues(true)
            .withUseTrimmingForNotesAndExpressions(true)
            .build();
    this.jinjava =
        new Jinjava(
            JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLegacyOverrides(python)
                .withFailOnUnknownTokens(false)
                .build());
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
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
        return new ChatTemplate(Files.readString(jinjaFile));
      }
      Path config = modelDir.resolve(TokenizerFiles.TOKENIZER_CONFIG);
      if (Files.isRegularFile(config)) {
        JsonElement template = JsonParser.parseString(Files.readString(config)).getAsJsonObject().get("chat_template");
        if (template != null && template.isJsonPrimitive()) {
          return new ChatTemplate(template.getAsString());
        }
        if (template != null && template.isJsonArray()) {
          for (JsonElement named : template.getAsJsonArray()) {
            JsonObject entry = named.getAsJsonObject();
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
    List<Map<String, Object>> messageMaps = new ArrayList<>();
    for (ChatMessage m : messages) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("role", m.role());
      map.put("content", m.content());
      messageMaps.add(map);
    }
    Map<String, Object> context = new HashMap<>();
    context.put("messages", messageMaps);
    context.put("add_generation_prompt", addGenerationPrompt);
    context.put("bos_token", bosToken == null ? "" : bosToken);
    context.put("eos_token", eosToken == null ? "" : eosToken);
    RenderResult result;
    try {
      result = jinjava.renderForResult(adaptedSource, context);
    } catch (TemplateRaisedException e) {
      throw new ChatTemplateException("chat template refused the conversation: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      Throwable raised = findRaised(e);
      if (raised != null) {
        throw new ChatTemplateException("chat template refused the conversation: " + raised.getMessage(), e);
      }
      throw new ChatTemplateException("chat template failed to render: " + e.getMessage(), e);
    }
    List<TemplateError> fatal =
        result.getErrors().stream().filter(err -> err.getSeverity() == TemplateError.ErrorType.FATAL).toList();
    if (!fatal.isEmpty()) {
      for (TemplateError err : fatal) {
        Throwable raised = findRaised(err.getException());
        if (raised != null) {
          throw new ChatTemplateException("chat template refused the conversation: " + raised.getMessage(), raised);
        }
      }
      throw new ChatTemplateException(
          "chat template failed to render: " + fatal.stream().map(TemplateError::getMessage).collect(Collectors.joining("; ")));
    }
    return result.getOutput();
  }

  private static Throwable findRaised(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof TemplateRaisedException) {
        return c;
      }
    }
    return null;
  }

  /** Target of the templates' {@code raise_exception(message)}. */
  public static String raiseException(String message) {
    throw new TemplateRaisedException(message);
  }

  /** What {@code raise_exception} throws inside Jinjava; surfaced as a {@link ChatTemplateException}. */
  static final class TemplateRaisedException extends RuntimeException {
    TemplateRaisedException(String message) {
      super(message);
    }
  }
}
