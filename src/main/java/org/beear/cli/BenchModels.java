package org.beear.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.ModelDirectory;

/**
 * The model a benchmark runs on: a Hugging Face directory's own weights, or random weights of a shape when
 * {@code --model} is a config.json (or a directory with a config.json and no weights). Random weights are drawn on the
 * device itself, in the compute dtype, so a 7B shape needs no 13.5 GB checkpoint on disk.
 */
final class BenchModels {
  private BenchModels() {}

  /** Whether {@code model} gets random weights: a config.json file, or a directory without safetensors. */
  static boolean randomWeights(Path model) {
    return !Files.isDirectory(model) || !hasWeights(model);
  }

  /** The config of a model directory or of a config.json file. */
  static ModelConfig config(Path model) {
    if (Files.isRegularFile(model)) {
      try {
        return ModelConfig.parse(Files.readString(model));
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + model + ": " + e.getMessage(), e);
      }
    }
    if (!Files.isDirectory(model)) {
      throw new IllegalArgumentException("no model directory or config.json at " + model);
    }
    return ModelConfig.load(model);
  }

  /**
   * Opens {@code model} on {@code device} in {@code dtype} ("float32" or "float16"): its weights, or random ones
   * (matrices N(0, 0.02²), norms ones, seeded) of its config's shape.
   */
  static LlamaModel open(Path model, Device device, String dtype, long seed) {
    if (randomWeights(model)) {
      return LlamaModel.random(config(model), NDManager.newBaseManager(device), ModelDirectory.computeType(dtype),
          seed);
    }
    return ModelDirectory.load(model, device, ModelDirectory.computeType(dtype));
  }

  private static boolean hasWeights(Path dir) {
    return Files.isRegularFile(dir.resolve("model.safetensors"))
        || Files.isRegularFile(dir.resolve("model.safetensors.index.json"));
  }
}
