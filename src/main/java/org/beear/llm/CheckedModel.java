package org.beear.llm;

import java.nio.file.Files;
import java.nio.file.Path;
import org.beear.files.PlainFiles;
import org.beear.llm.text.ChatTemplate;
import org.beear.llm.text.ChatTemplateException;
import org.beear.llm.text.jinja.Cancellation;

/**
 * A model directory checked once, without reading its weights: config.json parses to a supported architecture, the
 * tokenizer and weights are there, the chat template compiles; or a PEFT LoRA adapter checked against such a base
 * ({@link PeftAdapter}). Everything that runs on a model opens it from here ({@link #open}), so the checks are made
 * once per model and a model is opened one way.
 *
 * @param dir     the Hugging Face model directory (an adapter's base: config, tokenizer, template and weights)
 * @param config  its config.json
 * @param adapter the LoRA adapter applied on top of it, or null
 */
public record CheckedModel(Path dir, ModelConfig config, PeftAdapter adapter) {

  /**
   * Checks {@code dir}, a full model.
   *
   * @throws IllegalArgumentException with a user-facing message naming what is missing or wrong
   */
  public static CheckedModel check(Path dir) {
    return check(dir, null);
  }

  /**
   * Checks {@code dir}: a full model (then {@code base} must be null), or a PEFT adapter (it has an
   * adapter_config.json) applied to the full model {@code base}.
   *
   * @throws IllegalArgumentException with a user-facing message naming what is missing or wrong
   */
  public static CheckedModel check(Path dir, Path base) {
    if (PeftAdapter.isAdapter(dir) || base != null) {
      requireBase(dir, base);
      CheckedModel full = checkFull(base);
      return new CheckedModel(full.dir(), full.config(), PeftAdapter.check(dir, full.config()));
    }
    return checkFull(dir);
  }

  /** An adapter needs a base, and a base needs an adapter. */
  private static void requireBase(Path dir, Path base) {
    if (!PeftAdapter.isAdapter(dir)) {
      throw new IllegalArgumentException("a base model was given, but " + dir + " is not a PEFT adapter (it has no "
          + LoraConfig.FILE_NAME + ")");
    }
    if (base == null) {
      LoraConfig config = LoraConfig.load(dir);
      throw new IllegalArgumentException(dir + " holds a PEFT adapter (" + LoraConfig.FILE_NAME + "): give its "
          + "base model (--base on the command line, base_uri on a job)" + (config.baseModel() == null ? ""
          : "; it was trained on '" + config.baseModel() + "'"));
    }
  }

  private static CheckedModel checkFull(Path dir) {
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
    return new CheckedModel(dir, config, null);
  }

  /**
   * A model derived from this one in {@code derived} (a cleanse's output): a full model written with this model's
   * config, tokenizer and template files (the same facts, other weights), or an adapter on this model's base.
   */
  public CheckedModel derived(Path derived) {
    return PeftAdapter.isAdapter(derived) ? new CheckedModel(dir, config, PeftAdapter.check(derived, config))
        : new CheckedModel(derived, config, null);
  }

  /**
   * The weights alone, frozen, the adapter (if any) attached unmerged: for tools that frame text themselves
   * ({@code generate}, {@code evaluate}). {@link #open} loads them this way too.
   */
  public LlamaModel weights(ai.djl.Device device, ai.djl.ndarray.types.DataType computeType) {
    LlamaModel model = ModelDirectory.load(dir, device, computeType);
    try {
      model.weights().values().forEach(w -> w.setRequiresGradient(false));
      if (adapter != null) {
        adapter.attachTo(model);
      }
      return model;
    } catch (RuntimeException | Error e) {
      model.close();
      throw e;
    }
  }

  /**
   * The weights of {@code dir}, or of the adapter in {@code dir} on {@code base}, checked as far as weights go
   * (config.json, the adapter against it) without asking for a tokenizer or chat template.
   */
  public static LlamaModel weights(Path dir, Path base, ai.djl.Device device, ai.djl.ndarray.types.DataType type) {
    CheckedModel located = locate(dir, base);
    return located.weights(device, type);
  }

  /** The config of the base an adapter in {@code dir} applies to, after checking the adapter against it. */
  public static ModelConfig weightsConfig(Path dir, Path base) {
    return locate(dir, base).config();
  }

  /** The directory holding config, tokenizer and template: the base's for an adapter, else {@code dir}. */
  public static Path modelFilesDir(Path dir, Path base) {
    return locate(dir, base).dir();
  }

  private static CheckedModel locate(Path dir, Path base) {
    if (PeftAdapter.isAdapter(dir) || base != null) {
      requireBase(dir, base);
      ModelConfig config = ModelConfig.load(base);
      return new CheckedModel(base, config, PeftAdapter.check(dir, config));
    }
    return new CheckedModel(dir, ModelConfig.load(dir), null);
  }

  /** Where the model was given: the adapter's directory for an adapter, else the model directory. */
  public Path location() {
    return adapter == null ? dir : adapter.dir();
  }

  /**
   * Loads the weights on {@code device} in {@code computeDtype} ("float32" or "float16"), frozen, with the model's
   * chat codec framing every conversation with {@code systemPrompt} (null: none), and the adapter, if any, attached
   * unmerged (frozen too). Every step of a chat-template render asks {@code cancellation} whether to go on, so a
   * cancelled job stops inside a slow render too.
   */
  public OpenModel open(DeviceKind device, String computeDtype, String systemPrompt, Cancellation cancellation) {
    LlamaModel model = weights(device.device(), ModelDirectory.computeType(computeDtype));
    try {
      return new OpenModel(model, ChatCodec.load(dir, config, null), systemPrompt, cancellation);
    } catch (RuntimeException | Error e) {
      model.close();
      throw e;
    }
  }
}
