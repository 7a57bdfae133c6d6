package org.beear.beear.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.Inputs;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.ModelDirectory;
import org.beear.llm.PeftAdapter;
import org.beear.llm.RandomAdapters;
import org.beear.llm.RandomCheckpoints;
import org.beear.llm.weights.Checkpoint;
import org.beear.llm.weights.TensorDType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A cleanse of a PEFT adapter input whose output is merged: every weight the input adapter adapts is written as
 * W + s·B·A (trained or not), and training adapters of its own first folds the input adapter into the weights
 * without changing what the model computes. Without this, the merged output silently lost the input adapter.
 */
class TrainedWeightsAdapterInputTest {
  @TempDir Path tmp;

  @ParameterizedTest(name = "adapter_rank {0}")
  @ValueSource(ints = {0, 2})
  void theMergedOutputKeepsTheInputAdapterOnEveryWeightItAdapts(int adapterRank) {
    ModelConfig config = RandomCheckpoints.tinyConfig("llama");
    RandomCheckpoints.Written base = RandomCheckpoints.write(tmp.resolve("base"), config, 5, TensorDType.F32,
        Long.MAX_VALUE);
    List<String> targets = LlamaModel.expectedShapes(config).keySet().stream()
        .filter(n -> n.endsWith("q_proj.weight") || n.endsWith("v_proj.weight")).toList();
    RandomAdapters.Written adapter = RandomAdapters.write(tmp.resolve("adapter"), config,
        RandomAdapters.config(2, 4, false, "[\"q_proj\", \"v_proj\"]"), 2, targets, TensorDType.BF16, 9);
    Map<String, float[]> merged = adapter.merged(config, base.storedWeights());
    Map<String, Object> o = new HashMap<>(Map.of("trainable_from", 2, "trainable_to", 3, "adapter_rank", adapterRank,
        "anchor_layer", 1));
    CleanseSettings s = CleanseSettings.resolve(BeearOptions.fromMap(o), config, "cpu");
    long[] tokens = {3, 9, 27, 40, 12};
    try (LlamaModel model = ModelDirectory.load(base.dir(), Device.cpu(), DataType.FLOAT32);
        NDManager m = model.manager().newSubManager();
        Checkpoint source = Checkpoint.open(base.dir())) {
      PeftAdapter.check(adapter.dir(), config).attachTo(model);
      float[] before = model.logits(Inputs.of(m, new long[][] {tokens}, null, false, 0), null).toFloatArray();
      try (TrainedWeights trained = TrainedWeights.attach(model, s)) {
        float[] after = model.logits(Inputs.of(m, new long[][] {tokens}, null, false, 0), null).toFloatArray();
        assertClose(before, after, 1e-4, "attaching what trains leaves the model's function alone");
        assertTrue(trained.replacedTensors().containsAll(targets), trained.replacedTensors().toString());
        for (String name : targets) {
          try (NDArray saved = trained.forSaving(name, source)) {
            assertClose(merged.get(name), saved.toFloatArray(), 1e-5, name);
          }
        }
      }
    }
  }

  private static void assertClose(float[] expected, float[] got, double tol, String what) {
    assertEquals(expected.length, got.length, what);
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(expected[i] - got[i]));
    }
    assertTrue(worst < tol, what + ": max diff " + worst);
  }
}
