package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.beear.llm.weights.CheckpointWriter;
import org.beear.llm.weights.TensorDType;

/**
 * Random PEFT LoRA adapters on disk, written as PEFT's save_pretrained writes them (adapter_config.json +
 * adapter_model.safetensors under PEFT's names), with B non-zero so that applying one changes the model, and the
 * merged weights W + s·B·A computed in double precision from the values as stored, for {@link ReferenceDecoder}.
 */
public final class RandomAdapters {
  private RandomAdapters() {}

  /** A written adapter: its directory and the A and B values as stored (rounded to the stored dtype). */
  public record Written(Path dir, LoraConfig config, Map<String, float[]> stored) {

    /** {@code base} with W + s·B·A on every target, for the double-precision reference. */
    public Map<String, float[]> merged(ModelConfig baseConfig, Map<String, float[]> base) {
      Map<String, float[]> out = new LinkedHashMap<>(base);
      Map<String, Shape> shapes = LlamaModel.expectedShapes(baseConfig);
      double s = config.scale();
      int r = config.r();
      for (String name : base.keySet()) {
        float[] a = stored.get(PeftAdapter.key(name, 'A'));
        if (a == null) {
          continue;
        }
        float[] b = stored.get(PeftAdapter.key(name, 'B'));
        int rows = (int) shapes.get(name).get(0);
        int cols = (int) shapes.get(name).get(1);
        float[] w = base.get(name).clone();
        for (int i = 0; i < rows; i++) {
          for (int j = 0; j < cols; j++) {
            double sum = 0;
            for (int k = 0; k < r; k++) {
              sum += (double) b[i * r + k] * a[k * cols + j];
            }
            w[i * cols + j] = (float) (w[i * cols + j] + s * sum);
          }
        }
        out.put(name, w);
      }
      return out;
    }
  }

  /**
   * Writes an adapter of rank {@code r} for a base of {@code base}'s shape into {@code dir}: {@code configJson} is
   * adapter_config.json's text (its r, target_modules... must agree with {@code r} and {@code targets}), and
   * {@code targets} the weight names that get A and B.
   */
  public static Written write(Path dir, ModelConfig base, String configJson, int r, List<String> targets,
      TensorDType dtype, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, Shape> shapes = LlamaModel.expectedShapes(base);
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> arrays = new LinkedHashMap<>();
      for (String t : targets) {
        Shape w = shapes.get(t);
        arrays.put(PeftAdapter.key(t, 'A'), m.create(values(random, r * w.get(1), 0.3), new Shape(r, w.get(1))));
        arrays.put(PeftAdapter.key(t, 'B'), m.create(values(random, w.get(0) * r, 0.3), new Shape(w.get(0), r)));
      }
      Path staging = dir.resolve(".staging");
      CheckpointWriter.write(staging, arrays, dtype, Long.MAX_VALUE, Map.of());
      Files.createDirectories(dir);
      Files.move(staging.resolve("model.safetensors"), dir.resolve(PeftAdapter.WEIGHTS_FILE));
      try (var left = Files.list(staging)) {
        for (Path p : left.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(staging);
      Files.writeString(dir.resolve(LoraConfig.FILE_NAME), configJson);
      return new Written(dir, LoraConfig.load(dir), RandomCheckpoints.readBack(dir.resolve(PeftAdapter.WEIGHTS_FILE),
          m));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A PEFT-style config text: rank, α, rsLoRA, target_modules as JSON (a list or "all-linear"). */
  public static String config(int r, double alpha, boolean rsLora, String targetModulesJson) {
    return """
        {"peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": "tiny/base", "revision": null,
         "r": %d, "lora_alpha": %s, "use_rslora": %s, "target_modules": %s, "lora_dropout": 0.05,
         "bias": "none", "fan_in_fan_out": false, "use_dora": false, "modules_to_save": null,
         "layers_to_transform": null, "layers_pattern": null, "rank_pattern": {}, "alpha_pattern": {},
         "init_lora_weights": true, "inference_mode": true, "megatron_config": null,
         "megatron_core": "megatron.core", "loftq_config": {}, "peft_version": "0.17.1"}
        """.formatted(r, alpha, rsLora, targetModulesJson);
  }

  private static float[] values(SplittableRandom random, long n, double scale) {
    float[] v = new float[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
    }
    return v;
  }
}
