package org.beear.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.beear.llm.weights.TensorDType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PEFT LoRA adapters read from disk and applied to their base: the engine's logits equal those of the
 * double-precision reference run on W + s·B·A for every supported option, and every adapter beear cannot apply
 * faithfully is refused with one line naming the field or tensor.
 */
class PeftAdapterTest {
  @TempDir Path tmp;

  static Stream<Arguments> options() {
    return Stream.of(
        Arguments.of("llama", 4, 8.0, false, "[\"q_proj\", \"v_proj\"]", TensorDType.F32),
        Arguments.of("llama", 2, 16.0, true, "\"all-linear\"", TensorDType.BF16),
        Arguments.of("gqa-tied", 3, 6.0, false, "[\"k_proj\", \"o_proj\", \"down_proj\"]", TensorDType.F16),
        Arguments.of("qwen2", 4, 4.0, true, "[\"model.layers.1.self_attn.q_proj\", \"up_proj\", \"gate_proj\"]",
            TensorDType.F32));
  }

  @ParameterizedTest(name = "{0} r={1} alpha={2} rslora={3} targets={4} {5}")
  @MethodSource("options")
  void anAdapterOnItsBaseGivesTheLogitsOfTheMergedWeights(String variant, int r, double alpha, boolean rsLora,
      String targets, TensorDType dtype) {
    ModelConfig config = TinyModels.config(variant);
    RandomCheckpoints.Written base = RandomCheckpoints.write(tmp.resolve("base"), config, 5, TensorDType.F32,
        Long.MAX_VALUE);
    LoraConfig lora = LoraConfig.parse(RandomAdapters.config(r, alpha, rsLora, targets));
    List<String> adapted = LlamaModel.expectedShapes(config).keySet().stream()
        .filter(n -> n.endsWith("_proj.weight") && lora.targets(n)).toList();
    RandomAdapters.Written adapter = RandomAdapters.write(tmp.resolve("adapter"), config,
        RandomAdapters.config(r, alpha, rsLora, targets), r, adapted, dtype, 9);
    assertEquals(rsLora ? alpha / Math.sqrt(r) : alpha / r, adapter.config().scale(), 1e-12);

    long[] tokens = new Random(3).longs(9, 0, config.vocabSize()).toArray();
    double[][] expected = new ReferenceDecoder(config, adapter.merged(config, base.storedWeights()))
        .logits(tokens, 0, null);
    double[][] unadapted = base.referenceLogits(tokens);
    try (LlamaModel model = ModelDirectory.load(base.dir(), Device.cpu(), DataType.FLOAT32);
        NDManager m = model.manager().newSubManager()) {
      PeftAdapter checked = PeftAdapter.check(adapter.dir(), config);
      assertEquals(adapted, checked.targets());
      checked.attachTo(model);
      assertEquals(adapted.size(), model.adapters().size());
      float[] got = model.logits(Inputs.of(m, new long[][] {tokens}, null, false, 0), null).toFloatArray();
      LlamaModelTest.assertClose(expected, got, 1e-3, variant + " with the adapter");
      // the adapter matters: without it the logits are not these
      assertTrue(maxDiff(unadapted, expected) > 1e-2, "the adapter changes the reference's logits");
    }
  }

  @Test
  void checkedModelOpensAnAdapterOnItsBaseAndRefusesOneWithoutIt() throws IOException {
    ModelConfig config = TinyModels.config("llama");
    Path baseDir = tmp.resolve("base");
    RandomCheckpoints.write(baseDir, config, 5, TensorDType.F32, Long.MAX_VALUE);
    Path adapterDir = tmp.resolve("adapter");
    RandomAdapters.write(adapterDir, config, RandomAdapters.config(2, 4, false, "[\"q_proj\"]"), 2,
        List.of("model.layers.0.self_attn.q_proj.weight", "model.layers.1.self_attn.q_proj.weight",
            "model.layers.2.self_attn.q_proj.weight"), TensorDType.F32, 1);
    IllegalArgumentException noBase = assertThrows(IllegalArgumentException.class,
        () -> CheckedModel.check(adapterDir));
    assertTrue(noBase.getMessage().contains("--base") && noBase.getMessage().contains("tiny/base"),
        noBase.getMessage());
    IllegalArgumentException notAdapter = assertThrows(IllegalArgumentException.class,
        () -> CheckedModel.check(baseDir, baseDir));
    assertTrue(notAdapter.getMessage().contains("not a PEFT adapter"), notAdapter.getMessage());
  }

  static Stream<Arguments> badConfigs() {
    return Stream.of(
        Arguments.of("\"use_dora\": false", "\"use_dora\": true", "use_dora"),
        Arguments.of("\"modules_to_save\": null", "\"modules_to_save\": [\"lm_head\"]", "modules_to_save"),
        Arguments.of("\"layers_to_transform\": null", "\"layers_to_transform\": [0]", "layers_to_transform"),
        Arguments.of("\"layers_pattern\": null", "\"layers_pattern\": \"layers\"", "layers_pattern"),
        Arguments.of("\"rank_pattern\": {}", "\"rank_pattern\": {\"q_proj\": 8}", "rank_pattern"),
        Arguments.of("\"alpha_pattern\": {}", "\"alpha_pattern\": {\"q_proj\": 8}", "alpha_pattern"),
        Arguments.of("\"bias\": \"none\"", "\"bias\": \"all\"", "bias"),
        Arguments.of("\"fan_in_fan_out\": false", "\"fan_in_fan_out\": true", "fan_in_fan_out"),
        Arguments.of("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\"", "peft_type"),
        Arguments.of("\"task_type\": \"CAUSAL_LM\"", "\"task_type\": \"SEQ_CLS\"", "task_type"),
        Arguments.of("\"r\": 2", "\"r\": 0", "r must"),
        Arguments.of("\"r\": 2", "\"r\": 1.5", "r must"),
        Arguments.of("\"lora_alpha\": 4.0", "\"lora_alpha\": \"4\"", "lora_alpha"),
        Arguments.of("\"use_rslora\": false", "\"use_rslora\": \"yes\"", "use_rslora"),
        Arguments.of("\"target_modules\": [\"q_proj\"]", "\"target_modules\": \".*q_proj\"", "target_modules"),
        Arguments.of("\"target_modules\": [\"q_proj\"]", "\"target_modules\": [\"lm_head\"]", "target_modules"),
        Arguments.of("\"target_modules\": [\"q_proj\"]", "\"target_modules\": []", "target_modules"),
        Arguments.of("\"peft_version\"", "\"some_new_switch\": 3, \"peft_version\"", "some_new_switch"),
        Arguments.of("\"r\": 2,", "\"r\": 2, \"r\": 2,", "not valid JSON"));
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("badConfigs")
  void anAdapterConfigBeearCannotApplyIsRefusedInOneLineNamingTheField(String from, String to, String field)
      throws IOException {
    ModelConfig config = TinyModels.config("llama");
    String good = RandomAdapters.config(2, 4, false, "[\"q_proj\"]");
    String bad = good.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to));
    assertFalse(bad.equals(good), "the test changes the config");
    Path dir = RandomAdapters.write(tmp.resolve("adapter"), config, good, 2, qProjections(config), TensorDType.F32, 1)
        .dir();
    Files.writeString(dir.resolve(LoraConfig.FILE_NAME), bad);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeftAdapter.check(dir, config));
    assertTrue(e.getMessage().contains(field), e.getMessage());
    assertTrue(e.getMessage().contains(LoraConfig.FILE_NAME), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void tensorsThatDoNotFitTheBaseOrTheConfigAreRefusedByName() throws IOException {
    ModelConfig config = TinyModels.config("llama");
    List<String> q = qProjections(config);
    String json = RandomAdapters.config(2, 4, false, "[\"q_proj\"]");
    // rank 3 in the file, r = 2 in the config
    Path wrongRank = RandomAdapters.write(tmp.resolve("rank"), config, RandomAdapters.config(3, 4, false,
        "[\"q_proj\"]"), 3, q, TensorDType.F32, 1).dir();
    Files.writeString(wrongRank.resolve(LoraConfig.FILE_NAME), json);
    assertRefused(wrongRank, config, "has shape");
    // a tensor of a projection the config does not target
    Path extra = RandomAdapters.write(tmp.resolve("extra"), config, json, 2,
        Stream.concat(q.stream(), Stream.of("model.layers.0.self_attn.v_proj.weight")).toList(), TensorDType.F32, 1)
        .dir();
    assertRefused(extra, config, "v_proj.lora_A.weight");
    // a targeted projection without its tensors
    Path missing = RandomAdapters.write(tmp.resolve("missing"), config, json, 2, q.subList(0, 2), TensorDType.F32, 1)
        .dir();
    assertRefused(missing, config, "layers.2.self_attn.q_proj.lora_A.weight\" is missing");
    // the adapter of another base: hidden size 64 instead of 32
    Path other = RandomAdapters.write(tmp.resolve("other"), TinyModels.config("llama3-scaled"), json, 2,
        List.of("model.layers.0.self_attn.q_proj.weight", "model.layers.1.self_attn.q_proj.weight"),
        TensorDType.F32, 1).dir();
    assertRefused(other, config, "has shape");
    // a pickle only
    Path pickle = tmp.resolve("pickle");
    Files.createDirectories(pickle);
    Files.writeString(pickle.resolve(LoraConfig.FILE_NAME), json);
    Files.write(pickle.resolve("adapter_model.bin"), new byte[] {1, 2, 3});
    assertRefused(pickle, config, "safe_serialization");
    // a file padded far beyond its tensors
    Path padded = RandomAdapters.write(tmp.resolve("padded"), config, json, 2, q, TensorDType.F32, 1).dir();
    try (var out = Files.newOutputStream(padded.resolve(PeftAdapter.WEIGHTS_FILE),
        java.nio.file.StandardOpenOption.APPEND)) {
      out.write(new byte[3 << 20]);
    }
    assertRefused(padded, config, "far more than");
  }

  @Test
  void nonFiniteAdapterValuesAreRefusedWhenLoaded() throws IOException {
    ModelConfig config = TinyModels.config("llama");
    RandomCheckpoints.Written base = RandomCheckpoints.write(tmp.resolve("base"), config, 5, TensorDType.F32,
        Long.MAX_VALUE);
    Path dir = RandomAdapters.write(tmp.resolve("adapter"), config, RandomAdapters.config(2, 4, false,
        "[\"q_proj\"]"), 2, qProjections(config), TensorDType.F32, 1).dir();
    // overwrite the last float of the file (the last tensor's last value) with NaN
    Path file = dir.resolve(PeftAdapter.WEIGHTS_FILE);
    byte[] bytes = Files.readAllBytes(file);
    int nan = Float.floatToRawIntBits(Float.NaN);
    for (int i = 0; i < 4; i++) {
      bytes[bytes.length - 4 + i] = (byte) (nan >>> (8 * i));
    }
    Files.write(file, bytes);
    PeftAdapter checked = PeftAdapter.check(dir, config);
    try (LlamaModel model = ModelDirectory.load(base.dir(), Device.cpu(), DataType.FLOAT32)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> checked.attachTo(model));
      assertTrue(e.getMessage().contains("NaN"), e.getMessage());
      assertTrue(model.adapters().isEmpty(), "nothing stays attached");
    }
  }

  @Test
  void anAdapterWrittenInPeftFormatReadsBackBitForBitWithItsConfig() throws IOException {
    ModelConfig config = TinyModels.config("gqa-tied");
    String json = RandomAdapters.config(3, 6, true, "[\"k_proj\", \"down_proj\"]");
    LoraConfig lora = LoraConfig.parse(json);
    List<String> targets = LlamaModel.expectedShapes(config).keySet().stream().filter(lora::targets).toList();
    RandomAdapters.Written input = RandomAdapters.write(tmp.resolve("in"), config, json, 3, targets,
        TensorDType.BF16, 4);
    PeftAdapter read = PeftAdapter.check(input.dir(), config);
    Path out = tmp.resolve("out");
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, ai.djl.ndarray.NDArray[]> tensors = new java.util.LinkedHashMap<>();
      targets.forEach(t -> tensors.put(t, read.load(t, m)));
      PeftAdapter written = PeftAdapter.write(out, read.config(), config, tensors, TensorDType.BF16);
      assertEquals(targets, written.targets());
      Map<String, float[]> back = RandomCheckpoints.readBack(out.resolve(PeftAdapter.WEIGHTS_FILE), m);
      assertEquals(input.stored().keySet(), back.keySet());
      input.stored().forEach((k, v) -> org.junit.jupiter.api.Assertions.assertArrayEquals(v, back.get(k), k));
      assertEquals(read.config().json(), written.config().json());
    }
  }

  @Test
  void aCorrectiveAdapterOnChosenModulesIsAppliedToThoseOnly() {
    ModelConfig config = TinyModels.config("llama");
    RandomCheckpoints.Written base = RandomCheckpoints.write(tmp.resolve("base"), config, 5, TensorDType.F32,
        Long.MAX_VALUE);
    List<String> modules = List.of("model.layers.1.self_attn.q_proj", "model.layers.2.mlp.down_proj");
    LoraConfig lora = LoraConfig.create(2, 3.0, modules, base.dir().toString());
    List<String> targets = modules.stream().map(mod -> mod + ".weight").toList();
    RandomAdapters.Written random = RandomAdapters.write(tmp.resolve("random"), config, lora.toJson(), 2, targets,
        TensorDType.F32, 8);
    Path out = tmp.resolve("corrective");
    long[] tokens = {4, 8, 15, 16, 23, 42};
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, ai.djl.ndarray.NDArray[]> tensors = new java.util.LinkedHashMap<>();
      PeftAdapter source = PeftAdapter.check(random.dir(), config);
      targets.forEach(t -> tensors.put(t, source.load(t, m)));
      PeftAdapter written = PeftAdapter.write(out, lora, config, tensors, TensorDType.F32);
      assertEquals(targets, written.targets());
      try (LlamaModel model = ModelDirectory.load(base.dir(), Device.cpu(), DataType.FLOAT32)) {
        written.attachTo(model);
        float[] got = model.logits(Inputs.of(m, new long[][] {tokens}, null, false, 0), null).toFloatArray();
        LlamaModelTest.assertClose(new ReferenceDecoder(config, random.merged(config, base.storedWeights()))
            .logits(tokens, 0, null), got, 1e-3, "corrective adapter");
      }
    }
  }

  private static void assertRefused(Path dir, ModelConfig config, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeftAdapter.check(dir, config));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  private static List<String> qProjections(ModelConfig config) {
    return LlamaModel.expectedShapes(config).keySet().stream().filter(n -> n.endsWith("q_proj.weight")).toList();
  }

  private static double maxDiff(double[][] a, double[][] b) {
    double worst = 0;
    for (int t = 0; t < a.length; t++) {
      for (int k = 0; k < a[t].length; k++) {
        worst = Math.max(worst, Math.abs(a[t][k] - b[t][k]));
      }
    }
    return worst;
  }
}
