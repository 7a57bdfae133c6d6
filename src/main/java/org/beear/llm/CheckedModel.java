package org.beear.llm;

import java.nio.file.Files;
import java.nio.file.Path;
import org.beear.files.PlainFiles;
import org.beear.llm.text.ChatTemplate;
import org.beear.llm.text.ChatTemplateException;
import org.beear.llm.text.jinja.Cancellation;

/**
 * A model directory checked once, without reading its weights: config.json parses to a supported architecture, the
 * tokenizer and weights are there, the chat template compiles. Everything that runs on a model opens it from here
 * ({@link #open}), so the checks are made once per model and a model is opened one way.
 *
 * @param dir    the Hugging Face model directory
 * @param config its config.json
 */
public record CheckedModel(Path dir, ModelConfig config) {

  /**
   * Checks {@code dir}.
   *
   * @throws IllegalArgumentException with a user-facing message naming what is missing or wrong
   */
  public static CheckedModel check(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("model directory " + dir + " does not exist");
    }
    // a link would make whatever it names part of the model: read, hashed into provenance, copied to the output
    PlainFiles.firstNonPlainEntry(dir).ifPresent(problem -> {
      throw new IllegalArgumentException(dir + ": " + problem);
    });
    ModelConfig config = ModelConfig.load(dir);
    if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      throw new IllegalArgumentException(dir + " has no tokenizer.json");
    }
    try {
      // the template comes from the model, so it is checked (size cap, syntax) before any work starts
      ChatTemplate.fromModelDir(dir);
    } catch (ChatTemplateException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (!Files.isRegularFile(dir.resolve("model.safetensors"))
        && !Files.isRegularFile(dir.resolve("model.safetensors.index.json"))) {
      throw new IllegalArgumentException(dir + " has no model.safetensors or model.safetensors.index.json");
    }
    return new CheckedModel(dir, config);
  }

  /**
   * A model derived from this one in {@code derived} (a cleanse's output, written with this model's config,
   * tokenizer and template files): the same facts, other weights.
   */
  public CheckedModel derived(Path derived) {
    return new CheckedModel(derived, config);
  }

  /**
   * Loads the weights on {@code device} in {@code computeDtype} ("float32" or "float16"), frozen, with the model's
   * chat codec framing every conversation with {@code systemPrompt} (null: none). Every step of a chat-template
   * render asks {@code cancellation} whether to go on, so a cancelled job stops inside a slow render too.
   */
  public OpenModel open(DeviceKind device, String computeDtype, String systemPrompt, Cancellation cancellation) {
    LlamaModel model = ModelDirectory.load(dir, device.device(), ModelDirectory.computeType(computeDtype));
    try {
      model.weights().values().forEach(w -> w.setRequiresGradient(false));
      return new OpenModel(model, ChatCodec.load(dir, config, null), systemPrompt, cancellation);
    } catch (RuntimeException | Error e) {
      model.close();
      throw e;
    }
  }
}
