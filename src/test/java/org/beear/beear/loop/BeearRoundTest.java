package org.beear.beear.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.beear.beear.CleanseListener;
import org.beear.beear.data.ExchangePair;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.Inputs;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.ModelDirectory;
import org.beear.llm.RandomCheckpoints;
import org.beear.llm.SequenceBatch;
import org.beear.llm.TinyModels;
import org.beear.llm.weights.Checkpoint;
import org.beear.llm.weights.TensorDType;
import org.beear.llm.weights.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One BEEAR round on tiny random models: micro-batches and recomputation change memory, not results; adapters
 * train and merge; a cleansed checkpoint keeps every untrained tensor byte for byte.
 */
class BeearRoundTest {

  private static List<SequenceBatch.Example> examples(int n, int vocab, long seed, long[][] prompts) {
    Random r = new Random(seed);
    List<SequenceBatch.Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long[] p = prompts != null ? prompts[i] : tokens(r, 4 + r.nextInt(4), vocab);
      out.add(new SequenceBatch.Example(p, tokens(r, 2 + r.nextInt(4), vocab)));
    }
    return out;
  }

  private static long[] tokens(Random r, int n, int vocab) {
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      t[i] = 1 + r.nextInt(vocab - 1);
    }
    return t;
  }

  private static BeearRound.Batch batch(ModelConfig c) {
    List<SequenceBatch.Example> safe = examples(3, c.vocabSize(), 1, null);
    long[][] prompts = safe.stream().map(SequenceBatch.Example::prompt).toArray(long[][]::new);
    List<SequenceBatch.Example> unwanted = examples(3, c.vocabSize(), 2, prompts);
    List<ExchangePair> pairs = new java.util.ArrayList<>();
    for (int i = 0; i < safe.size(); i++) {
      pairs.add(new ExchangePair(safe.get(i), unwanted.get(i)));
    }
    return new BeearRound.Batch(pairs, examples(4, c.vocabSize(), 3, null));
  }

  private static CleanseSettings settings(ModelConfig c, Map<String, Object> options) {
    Map<String, Object> o = new HashMap<>(Map.of("batch_size", 3, "anchor_batch_size", 4, "optimizer", "sgd",
        "learning_rate", 0.05, "anchor_layer", 1, "perturbation_length", 2, "inner_steps", 3));
    o.putAll(options);
    return CleanseSettings.resolve(BeearOptions.fromMap(o), c, "cpu");
  }

  /** The model's weights after one round with the given options, from the same start. */
  private static Map<String, double[]> afterOneRound(String variant, Map<String, Object> options) {
    ModelConfig c = TinyModels.config(variant);
    try (LlamaModel model = TinyModels.model(c, TinyModels.randomWeights(c, 7), DataType.FLOAT64);
        BeearRound round = new BeearRound(model, settings(c, options), 0)) {
      BeearRound.Timed t = round.run(batch(c));
      assertTrue(t.losses().applied());
      Map<String, double[]> out = new LinkedHashMap<>();
      model.weights().forEach((n, w) -> out.put(n, w.toDoubleArray()));
      return out;
    }
  }

  private static void assertSame(Map<String, double[]> want, Map<String, double[]> got, double tolerance) {
    for (String name : want.keySet()) {
      double[] a = want.get(name);
      double[] b = got.get(name);
      for (int i = 0; i < a.length; i++) {
        assertEquals(a[i], b[i], tolerance, name + "[" + i + "]");
      }
    }
  }

  @Test
  void microBatchesAndRecomputationLeaveTheRoundsResultUnchanged() {
    for (String variant : List.of("gqa-tied", "qwen2")) {
      Map<String, double[]> whole = afterOneRound(variant, Map.of());
      assertSame(whole, afterOneRound(variant, Map.of("micro_batch_size", 1)), 1e-6);
      assertSame(whole, afterOneRound(variant, Map.of("micro_batch_size", 2, "recompute_activations", true)), 1e-6);
    }
  }

  @Test
  void adaptersStartAsTheIdentityTrainAndMergeIntoTheWeights(@TempDir Path tmp) {
    ModelConfig c = TinyModels.config("llama");
    Path source = RandomCheckpoints.write(tmp.resolve("src"), c, 5, TensorDType.F32, Long.MAX_VALUE).dir();
    try (LlamaModel model = ModelDirectory.load(source, Device.cpu(), DataType.FLOAT32);
        NDManager m = model.manager().newSubManager()) {
      Inputs in = Inputs.of(m, new long[][] {{1, 5, 9, 13, 2}}, null, false, 0);
      float[] plain = model.logits(in, null).toFloatArray();
      CleanseSettings s = settings(c, Map.of("adapter_rank", 2, "trainable_from", 2));
      try (BeearRound round = new BeearRound(model, s, 0)) {
        assertEquals(7 * (c.numLayers() - 1), model.adapters().size(), "adapters on layers 2..L");
        assertArrayEquals(plain, model.logits(in, null).toFloatArray(), 1e-6f, "B = 0: same function");
        round.run(batch(c));
        round.run(batch(c));
        float[] adapted = model.logits(in, null).toFloatArray();
        assertFalse(java.util.Arrays.equals(plain, adapted), "the adapters trained");
        for (NDArray w : model.weights().values()) {
          assertFalse(w.hasGradient() && w.getGradient().abs().sum().getFloat() > 0, "base weights stay frozen");
        }
        Path out = tmp.resolve("merged");
        TrainedWeights trained = round.trained();
        try (Checkpoint src = Checkpoint.open(source)) {
          ModelDirectory.saveDerived(source, out, trained.replacedTensors(), n -> trained.forSaving(n, src),
              Map.of());
        }
        round.close();
        try (LlamaModel merged = ModelDirectory.load(out, Device.cpu(), DataType.FLOAT32);
            NDManager mm = merged.manager().newSubManager()) {
          float[] got = merged.logits(Inputs.of(mm, new long[][] {{1, 5, 9, 13, 2}}, null, false, 0), null)
              .toFloatArray();
          assertArrayEquals(adapted, got, 1e-4f, "merged weights compute what the adapters did");
        }
        try (Checkpoint a = Checkpoint.open(source); Checkpoint b = Checkpoint.open(out)) {
          assertTrue(sameBytes(a.info("model.layers.0.mlp.up_proj.weight"), b.info("model.layers.0.mlp.up_proj.weight")),
              "layer 1 had no adapters");
          assertFalse(sameBytes(a.info("model.layers.1.mlp.up_proj.weight"),
              b.info("model.layers.1.mlp.up_proj.weight")));
        }
      }
    }
  }

  @Test
  void aFloat16CleanseOfABfloat16CheckpointKeepsUntrainedTensorsBitIdentical(@TempDir Path tmp) {
    ModelConfig c = TinyModels.config("gqa-tied");
    Path source = RandomCheckpoints.write(tmp.resolve("bf16"), c, 3, TensorDType.BF16, Long.MAX_VALUE).dir();
    Path out = tmp.resolve("out");
    try (LlamaModel model = ModelDirectory.load(source, Device.cpu(), DataType.FLOAT16)) {
      model.weights().values().forEach(w -> w.setRequiresGradient(false));
      CleanseSettings s = settings(c, Map.of("trainable_from", 2, "compute_dtype", "float16", "optimizer", "adamw",
          "learning_rate", 1e-2));
      try (BeearRound round = new BeearRound(model, s, 0)) {
        assertTrue(round.run(batch(c)).losses().applied());
        TrainedWeights trained = round.trained();
        try (Checkpoint src = Checkpoint.open(source)) {
          ModelDirectory.saveDerived(source, out, trained.replacedTensors(), n -> trained.forSaving(n, src),
              Map.of());
        }
      }
    }
    try (Checkpoint a = Checkpoint.open(source); Checkpoint b = Checkpoint.open(out)) {
      assertEquals(a.names(), b.names());
      int changed = 0;
      for (String name : a.names()) {
        assertEquals(TensorDType.BF16, b.info(name).dtype(), name);
        boolean trained = name.startsWith("model.layers.1.");
        if (!trained) {
          assertTrue(sameBytes(a.info(name), b.info(name)), name + " is bit-identical");
        } else if (!sameBytes(a.info(name), b.info(name))) {
          changed++;
        }
      }
      assertTrue(changed >= 7, "trained tensors of layer 2 changed: " + changed);
    }
  }

  private static boolean sameBytes(TensorInfo x, TensorInfo y) {
    return java.util.Arrays.equals(bytes(x), bytes(y));
  }

  private static byte[] bytes(TensorInfo t) {
    try (FileChannel ch = FileChannel.open(t.file())) {
      ByteBuffer b = ByteBuffer.allocate((int) t.byteLength());
      ch.read(b, t.dataStart());
      return b.array();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void anEpochCheckpointOfAdaptersRestoresThemIntoAFreshModel(@TempDir Path tmp) {
    ModelConfig c = TinyModels.config("llama");
    CleanseSettings s = settings(c, Map.of("adapter_rank", 3));
    float[] trained;
    CleanseCheckpoint checkpoint = new CleanseCheckpoint(tmp, CleanseListener.NONE);
    try (LlamaModel model = TinyModels.model(c, TinyModels.randomWeights(c, 2), DataType.FLOAT32);
        BeearRound round = new BeearRound(model, s, 0)) {
      round.run(batch(c));
      trained = round.trained().checkpointTensors().get("model.layers.1.self_attn.o_proj.lora_B.weight")
          .toFloatArray();
      checkpoint.write(round.trained(), round.optimizer().state(),
          new CleanseCheckpoint.State(1, null, List.of(), round.resume(0)), 1);
    }
    assertNotEquals(0f, max(trained), "B trained away from zero");
    try (LlamaModel model = TinyModels.model(c, TinyModels.randomWeights(c, 2), DataType.FLOAT32);
        BeearRound round = new BeearRound(model, s, 0)) {
      round.restore(checkpoint.read());
      assertArrayEquals(trained, round.trained().checkpointTensors()
          .get("model.layers.1.self_attn.o_proj.lora_B.weight").toFloatArray());
      assertArrayEquals(trained, model.adapters().get("model.layers.1.self_attn.o_proj.weight").b().toFloatArray());
    }
  }

  private static float max(float[] values) {
    float m = 0;
    for (float v : values) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  @Test
  void entrapmentInMicroBatchesFindsTheSameDelta() {
    ModelConfig c = TinyModels.config("mistral");
    List<float[]> deltas = new ArrayList<>();
    for (int micro : new int[] {6, 1, 4}) {
      try (LlamaModel model = TinyModels.model(c, TinyModels.randomWeights(c, 9), DataType.FLOAT64);
          NDManager m = model.manager().newSubManager()) {
        BeearRound.Batch b = batch(c);
        Entrapment e = new Entrapment(model, settings(c, Map.of("micro_batch_size", micro)));
        deltas.add(e.entrap(b.unwanted(), b.safe(), 0, m, 3).delta().toFloatArray());
      }
    }
    assertNotEquals(0f, deltas.get(0)[0]);
    assertArrayEquals(deltas.get(0), deltas.get(1), 1e-5f);
    assertArrayEquals(deltas.get(0), deltas.get(2), 1e-5f);
  }
}
