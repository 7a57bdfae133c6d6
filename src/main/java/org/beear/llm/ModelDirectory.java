package org.beear.llm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.beear.llm.weights.Checkpoint;
import org.beear.llm.weights.CheckpointWriter;
import org.beear.llm.weights.TensorDType;

/** A Hugging Face model directory: config.json + safetensors (+ tokenizer files), read into and written from a model. */
public final class ModelDirectory {
  /** Default shard cap when saving, as transformers' save_pretrained uses for 7B models. */
  public static final long DEFAULT_MAX_SHARD_BYTES = 5L * 1024 * 1024 * 1024;

  private ModelDirectory() {}

  /** Loads weights in {@code computeType} on {@code device}; non-finite weights are an error. */
  public static LlamaModel load(Path dir, Device device, DataType computeType) {
    ModelConfig config = ModelConfig.load(dir);
    NDManager manager = NDManager.newBaseManager(device);
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      Map<String, NDArray> weights = new LinkedHashMap<>();
      for (String name : LlamaModel.expectedShapes(config).keySet()) {
        if (!checkpoint.contains(name)) {
          throw new IllegalArgumentException(dir + ": checkpoint has no tensor '" + name + "' that config.json needs");
        }
        weights.put(name, checkpoint.loadFinite(name, manager, computeType));
      }
      return LlamaModel.of(config, weights, manager);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** The dtype the checkpoint stores most bytes in: what a cleansed copy is saved as. */
  public static TensorDType storedDType(Path dir) {
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      return checkpoint.dominantDType();
    }
  }

  /**
   * Writes the model's weights as safetensors in {@code dtype} and, when {@code sourceDir} is given, copies its
   * config, tokenizer and generation files; otherwise writes config.json from the model's config.
   */
  public static void save(LlamaModel model, Path sourceDir, Path outDir, TensorDType dtype, long maxShardBytes,
      Map<String, String> metadata) {
    try {
      Files.createDirectories(outDir);
      if (sourceDir != null) {
        CheckpointWriter.copyModelFiles(sourceDir, outDir);
      } else {
        Files.writeString(outDir.resolve("config.json"), model.config().toJson());
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot write " + outDir + ": " + e.getMessage(), e);
    }
    CheckpointWriter.write(outDir, model.weights(), dtype, maxShardBytes, metadata);
  }

  /** DJL's dtype for a name as options and config.json spell it. */
  public static DataType computeType(String name) {
    return switch (name == null ? "float32" : name) {
      case "float32" -> DataType.FLOAT32;
      case "float16" -> DataType.FLOAT16;
      case "bfloat16" -> throw new IllegalArgumentException("bfloat16 compute is not available: DJL 0.35.1 aborts the"
          + " JVM on bfloat16 arrays; bfloat16 checkpoints load as float32 or float16");
      default -> throw new IllegalArgumentException("unknown dtype '" + name + "': expected float32 or float16");
    };
  }
}
