package org.beear.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.beear.llm.weights.CheckpointException;
import org.beear.llm.weights.CheckpointWriter;
import org.beear.llm.weights.TensorDType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End to end through the files: random checkpoints of every variant written as safetensors in each stored dtype
 * (and sharded), loaded by {@link ModelDirectory}, checked against the independent reference run on the values as
 * stored.
 */
class ModelDirectoryTest {

  /** Small enough that every tiny model needs several shards. */
  private static final long SMALL_SHARD_BYTES = 16 * 1024;
  private static final long ONE_FILE = Long.MAX_VALUE;

  @TempDir Path tmp;

  static Stream<Arguments> storageCases() {
    List<Arguments> cases = new ArrayList<>();
    for (String variant : TinyModels.variants()) {
      cases.add(Arguments.of(variant, TensorDType.F32, false));
      cases.add(Arguments.of(variant, TensorDType.F16, false));
      cases.add(Arguments.of(variant, TensorDType.BF16, false));
      cases.add(Arguments.of(variant, TensorDType.BF16, true));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} stored as {1}, sharded={2}")
  @MethodSource("storageCases")
  void loadedModelGivesTheReferenceLogitsAndGreedyTokensOfTheStoredWeights(
      String variant, TensorDType dtype, boolean sharded) {
    ModelConfig config = TinyModels.config(variant);
    RandomCheckpoints.Written written =
        RandomCheckpoints.write(tmp, config, 31, dtype, sharded ? SMALL_SHARD_BYTES : ONE_FILE);
    assertEquals(sharded, Files.exists(tmp.resolve("model.safetensors.index.json")));
    assertStoredValuesAreRoundedTo(dtype, TinyModels.randomWeights(config, 31), written.storedWeights());

    long[] tokens = randomTokens(new Random(variant.hashCode()), 11, config.vocabSize());
    try (LlamaModel model = ModelDirectory.load(tmp, Device.cpu(), DataType.FLOAT32);
        NDManager m = model.manager().newSubManager()) {
      assertEquals(config, model.config());
      float[] logits = model.logits(Inputs.of(m, new long[][] {tokens}, null, false, 0), null).toFloatArray();
      LlamaModelTest.assertClose(written.referenceLogits(tokens), logits, 1e-3, variant + " " + dtype);

      long[] prompt = java.util.Arrays.copyOf(tokens, 5);
      long[] greedy = Generator.generate(model, List.of(prompt), Generator.Settings.greedy(6, Set.of())).get(0);
      assertArrayEquals(written.referenceGreedy(prompt, 6, Set.of()), greedy, variant + " " + dtype);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.beear.llm.TinyModels#variants")
  void savingALoadedModelAndLoadingItAgainGivesBitIdenticalTensors(String variant) throws IOException {
    ModelConfig config = TinyModels.config(variant);
    for (TensorDType dtype : TensorDType.values()) {
      Path source = tmp.resolve(variant + "-" + dtype);
      RandomCheckpoints.write(source, config, 5, dtype, ONE_FILE);
      Files.writeString(source.resolve("tokenizer_config.json"), "{\"chat_template\": \"x\"}");
      Path copy = tmp.resolve(variant + "-" + dtype + "-copy");
      try (LlamaModel first = ModelDirectory.load(source, Device.cpu(), DataType.FLOAT32)) {
        assertEquals(dtype, ModelDirectory.storedDType(source));
        ModelDirectory.save(first, source, copy, ModelDirectory.storedDType(source), SMALL_SHARD_BYTES, Map.of());
        assertTrue(Files.exists(copy.resolve("model.safetensors.index.json")), "saved sharded");
        assertEquals(Files.readString(source.resolve("tokenizer_config.json")),
            Files.readString(copy.resolve("tokenizer_config.json")), "model files are copied");
        assertEquals(dtype, ModelDirectory.storedDType(copy));
        try (LlamaModel second = ModelDirectory.load(copy, Device.cpu(), DataType.FLOAT32)) {
          assertEquals(first.weights().keySet(), second.weights().keySet());
          for (String name : first.weights().keySet()) {
            assertBitIdentical(first.weights().get(name), second.weights().get(name), variant + " " + dtype + " " + name);
          }
        }
      }
    }
  }

  @Test
  void aCheckpointMissingATensorTheConfigNeedsIsRefusedByName() throws IOException {
    ModelConfig config = TinyModels.config("qwen2");
    Map<String, float[]> weights = TinyModels.randomWeights(config, 2);
    weights.remove("model.layers.1.self_attn.v_proj.bias");
    writeRaw(weights, config);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelDirectory.load(tmp, Device.cpu(), DataType.FLOAT32));
    assertTrue(e.getMessage().contains("model.layers.1.self_attn.v_proj.bias"), e.getMessage());
    assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());
  }

  @Test
  void aNaNInAWeightIsRefusedNamingTheTensorAndFile() throws IOException {
    ModelConfig config = TinyModels.config("llama");
    Map<String, float[]> weights = TinyModels.randomWeights(config, 2);
    weights.get("model.layers.2.mlp.down_proj.weight")[17] = Float.NaN;
    writeRaw(weights, config);
    CheckpointException e = assertThrows(CheckpointException.class,
        () -> ModelDirectory.load(tmp, Device.cpu(), DataType.FLOAT32));
    assertTrue(e.getMessage().contains("model.layers.2.mlp.down_proj.weight"), e.getMessage());
    assertTrue(e.getMessage().contains("1 NaN"), e.getMessage());
    assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
  }

  @Test
  void anExtraTensorTheConfigDoesNotUseDoesNotStopLoading() throws IOException {
    // real checkpoints carry e.g. rotary_emb.inv_freq buffers; they are ignored, not an error
    ModelConfig config = TinyModels.config("gqa-tied");
    Map<String, float[]> weights = TinyModels.randomWeights(config, 2);
    weights.put("model.layers.0.self_attn.rotary_emb.inv_freq", new float[] {1f, 0.5f});
    writeRaw(weights, config);
    try (LlamaModel model = ModelDirectory.load(tmp, Device.cpu(), DataType.FLOAT32)) {
      assertFalse(model.weights().containsKey("model.layers.0.self_attn.rotary_emb.inv_freq"));
    }
  }

  private void writeRaw(Map<String, float[]> weights, ModelConfig config) throws IOException {
    Map<String, Shape> shapes = LlamaModel.expectedShapes(config);
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> arrays = new LinkedHashMap<>();
      weights.forEach((name, v) -> arrays.put(name,
          m.create(v, shapes.getOrDefault(name, new Shape(v.length)))));
      CheckpointWriter.write(tmp, arrays, TensorDType.F32, ONE_FILE, Map.of());
    }
    Files.writeString(tmp.resolve("config.json"), config.toJson());
  }

  /** F32 stores exactly; F16 and BF16 round, so at least some values must differ and all by a small relative error. */
  private static void assertStoredValuesAreRoundedTo(TensorDType dtype, Map<String, float[]> original,
      Map<String, float[]> stored) {
    double relative = switch (dtype) {
      case F32 -> 0;
      case F16 -> 1.0 / 2048;
      case BF16 -> 1.0 / 256;
    };
    boolean anyRounded = false;
    for (String name : original.keySet()) {
      float[] a = original.get(name);
      float[] b = stored.get(name);
      for (int i = 0; i < a.length; i++) {
        assertTrue(Math.abs(a[i] - b[i]) <= relative * Math.abs(a[i]) + 1e-7, name + "[" + i + "]");
        anyRounded |= a[i] != b[i];
      }
    }
    assertEquals(dtype != TensorDType.F32, anyRounded, "stored values rounded to " + dtype);
  }

  private static void assertBitIdentical(NDArray a, NDArray b, String what) {
    assertEquals(a.getShape(), b.getShape(), what);
    assertEquals(a.getDataType(), b.getDataType(), what);
    assertArrayEquals(a.toByteArray(), b.toByteArray(), what);
  }

  private static long[] randomTokens(Random r, int length, int vocab) {
    long[] t = new long[length];
    for (int i = 0; i < length; i++) {
      t[i] = r.nextInt(vocab);
    }
    return t;
  }
}
