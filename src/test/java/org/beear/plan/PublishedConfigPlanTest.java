package org.beear.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.ModelConfig;
import org.beear.llm.Optimizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Plans for the published 7-70B configurations on one 80 GiB GPU in float16, from config.json alone. */
class PublishedConfigPlanTest {
  static final DeviceSpec H100 = new DeviceSpec("cuda", DeviceSpec.parseSize("80GiB"));

  static ModelConfig published(String name) {
    try {
      return ModelConfig.parse(Files.readString(Path.of("src/test/resources/configs", name, "config.json")));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The cleanse defaults on a GPU: batch 8 pairs + 32 anchors of 256 tokens, AdamW on every layer, float16. */
  static Workload defaults(ModelConfig c) {
    return CleanseSettings.resolve(BeearOptions.defaults(), c, "cuda").workload();
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama-2-7b", "mistral-7b-instruct-v0.2", "llama-3-8b", "qwen2.5-7b", "llama-2-13b"})
  void theDefaultsDoNotFitButFittedSettingsDo(String name) {
    ModelConfig c = published(name);
    MemoryPlan full = MemoryPlanner.plan(c, defaults(c), H100);
    assertFalse(full.fits(), name + ": full AdamW " + full.verdict());
    assertTrue(full.requiredBytes() > 100L << 30, name + " " + full.verdict());
    MemoryPlanner.Fit fit = MemoryPlanner.fit(c, defaults(c), H100, MemoryPlanner.noKnobsFixed());
    assertTrue(fit.plan().fits(), name + ": " + fit.plan().verdict());
    assertTrue(fit.plan().requiredBytes() <= H100.memoryBytes());
    assertEquals(256, fit.workload().maxSequenceLength(), "the batch and length stay as asked");
    assertEquals(8, fit.workload().batchSize());
  }

  @Test
  void sevenBillionParametersInFloat16AreWhatThePublishedCheckpointHolds() {
    MemoryPlan p = MemoryPlanner.plan(published("llama-2-7b"), defaults(published("llama-2-7b")), H100);
    assertEquals(6_738_415_616L, p.parameters());
    assertEquals(6_738_415_616L * 2, p.part("weights"));
    // every decoder layer trains: all but the embeddings, the head and the final norm
    assertEquals(6_738_415_616L - 2L * 32000 * 4096 - 4096, p.trainedParameters());
    assertEquals(p.trainedParameters() * 4, p.part("master_copies"));
    assertEquals(p.trainedParameters() * 2, p.part("gradients"));
    assertEquals(p.trainedParameters() * 8, p.part("optimizer_state"));
  }

  @Test
  void seventyBillionDoNotFitOneDeviceAndThePlanSaysHowMuchTheyNeed() {
    ModelConfig c = published("llama-2-70b");
    MemoryPlanner.Fit fit = MemoryPlanner.fit(c, defaults(c), H100, MemoryPlanner.noKnobsFixed());
    assertFalse(fit.plan().fits());
    assertTrue(fit.plan().part("weights") > 128L << 30, "float16 weights alone: " + fit.plan().part("weights"));
    assertTrue(fit.plan().requiredBytes() > H100.memoryBytes());
    assertTrue(fit.plan().verdict().startsWith("does not fit: needs"), fit.plan().verdict());
    assertTrue(fit.workload().adapterRank() > 0 && fit.workload().recomputeActivations(),
        "the most frugal settings were tried: " + fit.workload());
  }

  @Test
  void knobsTheCallerSetAreNotChanged() {
    ModelConfig c = published("llama-2-7b");
    MemoryPlanner.Fit fit = MemoryPlanner.fit(c, defaults(c), H100,
        EnumSet.of(MemoryPlanner.Knob.OPTIMIZER, MemoryPlanner.Knob.ADAPTERS, MemoryPlanner.Knob.TRAINABLE_RANGE));
    assertFalse(fit.plan().fits(), "full AdamW on every layer cannot fit 80 GiB whatever the batch");
    assertEquals(Optimizer.Kind.ADAMW, fit.workload().optimizer());
    assertEquals(0, fit.workload().adapterRank());
    MemoryPlanner.Fit lean = MemoryPlanner.fit(c, defaults(c), H100, EnumSet.of(MemoryPlanner.Knob.ADAPTERS));
    assertTrue(lean.plan().fits(), lean.plan().verdict());
    assertEquals(0, lean.workload().adapterRank(), "fitted without adapters, which were fixed");
  }

  @Test
  void recomputationAndMicroBatchesShrinkActivationsNotStaticMemory() {
    ModelConfig c = published("mistral-7b-instruct-v0.2");
    Workload w = defaults(c);
    w = w.withMemory(w.memory().withTraining(Optimizer.Kind.ADAFACTOR, 0, 1, c.numLayers()));
    MemoryPlan whole = MemoryPlanner.plan(c, w, H100);
    MemoryPlan micro = MemoryPlanner.plan(c, w.withMemory(w.memory().withMicroBatch(4)), H100);
    MemoryPlan recompute = MemoryPlanner.plan(c, w.withMemory(w.memory().withMicroBatch(4).withRecompute(true)),
        H100);
    assertTrue(micro.part("activations_removal") < whole.part("activations_removal") / 4);
    assertTrue(recompute.part("activations_removal") < micro.part("activations_removal") / 2);
    assertEquals(whole.part("optimizer_state"), recompute.part("optimizer_state"));
    assertTrue(whole.part("optimizer_state") < whole.trainedParameters() / 100, "Adafactor keeps rows and columns");
  }

  @Test
  void deviceSizesParse() {
    assertEquals(80L << 30, DeviceSpec.parseSize("80GiB"));
    assertEquals(80L << 30, DeviceSpec.parseSize("80 GB"));
    assertEquals(81920L << 20, DeviceSpec.parseSize("81920MiB"));
    assertEquals(1_000_000_000L, DeviceSpec.parseSize("1e9".replace("1e9", "1000000000")));
  }
}
