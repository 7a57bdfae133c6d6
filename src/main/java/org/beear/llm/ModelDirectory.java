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

  /**
   * Loads weights in {@code computeType} on {@code device}; non-finite weights are an error. Each tensor is read
   * into host memory (the memory-mapped copy writes through a host buffer) and, for a GPU, moved there one at a
   * time, so the host never holds more than one tensor of a model that lives on the GPU.
   */
  public static LlamaModel load(Path dir, Device device, DataType computeType) {
    ModelConfig config = ModelConfig.load(dir);
    NDManager manager = NDManager.newBaseManager(device);
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      Map<String, NDArray> weights = new LinkedHashMap<>();
      for (String name : LlamaModel.expectedShapes(config).keySet()) {
        if (!checkpoint.contains(name)) {
          throw new IllegalArgumentException(dir + ": checkpoint has no tensor '" + name + "' that config.json needs");
        }
        weights.put(name, loadOnto(checkpoint, name, manager, computeType));
      }
      return LlamaModel.of(config, weights, manager);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * One finite tensor of {@code checkpoint} in {@code computeType}, in {@code manager} and on its device: read into
   * host memory and, for a GPU, moved there at once, so the host holds one tensor at a time.
   */
  static NDArray loadOnto(Checkpoint checkpoint, String name, NDManager manager, DataType computeType) {
    if (manager.getDevice().equals(Device.cpu())) {
      return checkpoint.loadFinite(name, manager, computeType);
    }
    try (NDManager staging = NDManager.newBaseManager(Device.cpu());
        NDArray staged = checkpoint.loadFinite(name, staging, computeType)) {
      NDArray onDevice = staged.toDevice(manager.getDevice(), true);
      onDevice.attach(manager);
      return onDevice;
    }
  }

  /**
   * Writes a cleansed copy of {@code sourceDir} to {@code outDir}: its config, tokenizer and generation files, and
   * every tensor of its checkpoint in that tensor's stored dtype, bytes copied unchanged except for the tensors
   * named in {@code replaced}, whose float32 arrays {@code replacement} makes one at a time as they are written
   * (each closed after). So untrained tensors come back bit-identical, and trained ones are rounded once, from
   * float32, into the dtype they came in.
   */
  public static void saveDerived(Path sourceDir, Path outDir, java.util.Set<String> replaced,
      java.util.function.Function<String, NDArray> replacement, Map<String, String> metadata) {
    try {
      Files.createDirectories(outDir);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot write " + outDir + ": " + e.getMessage(), e);
    }
    CheckpointWriter.copyModelFiles(sourceDir, outDir);
    try (Checkpoint source = Checkpoint.open(sourceDir)) {
      CheckpointWriter.writeDerived(outDir, source, replaced, replacement, DEFAULT_MAX_SHARD_BYTES, metadata);
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
