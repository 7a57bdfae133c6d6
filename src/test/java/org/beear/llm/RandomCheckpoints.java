package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.beear.llm.weights.Checkpoint;
import org.beear.llm.weights.CheckpointWriter;
import org.beear.llm.weights.TensorDType;

/**
 * Random Hugging Face model directories on disk and what the independent {@link ReferenceDecoder} says about
 * them, for tests outside this package (the CLI) as well as inside it.
 */
public final class RandomCheckpoints {
  private RandomCheckpoints() {}

  /** A written checkpoint: its config and its weights exactly as stored (rounded to the stored dtype). */
  public record Written(Path dir, ModelConfig config, Map<String, float[]> storedWeights) {
    /** Greedy continuation by the double-precision reference, stopping after a stop id (kept) or n tokens. */
    public long[] referenceGreedy(long[] prompt, int n, Set<Long> stopIds) {
      return RandomCheckpoints.referenceGreedy(config, storedWeights, prompt, n, stopIds);
    }

    /** Reference logits [T][V] of an unpadded sequence. */
    public double[][] referenceLogits(long[] tokens) {
      return new ReferenceDecoder(config, storedWeights).logits(tokens, 0, null);
    }
  }

  /** The config of a TinyModels variant. */
  public static ModelConfig tinyConfig(String variant) {
    return TinyModels.config(variant);
  }

  /** The same shape with another vocabulary size, BOS and EOS ids (to fit a trained tokenizer). */
  public static ModelConfig withVocabulary(ModelConfig c, int vocabSize, Integer bos, List<Integer> eos) {
    return new ModelConfig(c.architecture(), vocabSize, c.hiddenSize(), c.intermediateSize(), c.numLayers(),
        c.numHeads(), c.numKeyValueHeads(), c.headDim(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(),
        c.attentionBias(), c.tieWordEmbeddings(), c.maxPositionEmbeddings(), bos, eos, c.torchDtype());
  }

  /**
   * Writes config.json and random weights of {@code config} in {@code dtype} into {@code dir}, sharded when
   * {@code maxShardBytes} is smaller than the model, and reads the stored values back through Checkpoint.
   */
  public static Written write(Path dir, ModelConfig config, long seed, TensorDType dtype, long maxShardBytes) {
    Map<String, float[]> values = TinyModels.randomWeights(config, seed);
    Map<String, Shape> shapes = LlamaModel.expectedShapes(config);
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> arrays = new LinkedHashMap<>();
      values.forEach((name, v) -> arrays.put(name, m.create(v, shapes.get(name))));
      CheckpointWriter.write(dir, arrays, dtype, maxShardBytes, Map.of());
      Files.writeString(dir.resolve("config.json"), config.toJson());
      return new Written(dir, config, readBack(dir, m));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every tensor of the checkpoint in {@code dir} as float32 values. */
  public static Map<String, float[]> readBack(Path dir, NDManager m) {
    Map<String, float[]> stored = new LinkedHashMap<>();
    try (Checkpoint c = Checkpoint.open(dir)) {
      for (String name : c.names()) {
        try (NDArray a = c.load(name, m, DataType.FLOAT32)) {
          stored.put(name, a.toFloatArray());
        }
      }
    }
    return stored;
  }

  static long[] referenceGreedy(ModelConfig config, Map<String, float[]> weights, long[] prompt, int n,
      Set<Long> stopIds) {
    ReferenceDecoder ref = new ReferenceDecoder(config, weights);
    List<Long> out = new ArrayList<>();
    long[] seq = prompt;
    for (int step = 0; step < n; step++) {
      double[] last = ref.logits(seq, 0, null)[seq.length - 1];
      int best = 0;
      for (int k = 1; k < last.length; k++) {
        best = last[k] > last[best] ? k : best;
      }
      out.add((long) best);
      if (stopIds.contains((long) best)) {
        break;
      }
      seq = Arrays.copyOf(seq, seq.length + 1);
      seq[seq.length - 1] = best;
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }
}
