package org.beear.beear.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.CheckedModel;
import org.beear.llm.Inputs;
import org.beear.llm.LlamaModel;
import org.beear.llm.LoraConfig;
import org.beear.llm.LowRankAdapter;
import org.beear.llm.ModelConfig;
import org.beear.llm.ModelDirectory;
import org.beear.llm.PeftAdapter;
import org.beear.llm.RandomAdapters;
import org.beear.llm.RandomCheckpoints;
import org.beear.llm.weights.TensorDType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * output_format adapter on a PEFT adapter input: removal trains the input adapter's own A and B on
 * trainable_from..trainable_to (not a merge of it, not adapters of its own), the base frozen, and the adapter written
 * back in the input's config computes on the base what the engine's model computed at the end.
 */
class TrainedWeightsAdapterOutputTest {
  @TempDir Path tmp;

  @Test
  void anAdapterInputTrainsItsOwnParametersAndIsWrittenBackInItsConfig() {
    ModelConfig config = RandomCheckpoints.tinyConfig("llama");
    RandomCheckpoints.Written base = RandomCheckpoints.write(tmp.resolve("base"), config, 5, TensorDType.F32,
        Long.MAX_VALUE);
    List<String> targets = LlamaModel.expectedShapes(config).keySet().stream()
        .filter(n -> n.endsWith("q_proj.weight") || n.endsWith("v_proj.weight")).toList();
    RandomAdapters.Written input = RandomAdapters.write(tmp.resolve("adapter"), config,
        RandomAdapters.config(2, 4, false, "[\"q_proj\", \"v_proj\"]"), 2, targets, TensorDType.F32, 9);
    CleanseSettings s = CleanseSettings.resolve(BeearOptions.fromMap(Map.of("output_format", "adapter",
        "trainable_from", 2, "trainable_to", 2, "anchor_layer", 1)), config, "cpu");
    long[] tokens = {3, 9, 27, 40, 12};
    Path out = tmp.resolve("cleansed");
    float[] engine;
    try (LlamaModel model = ModelDirectory.load(base.dir(), Device.cpu(), DataType.FLOAT32);
        NDManager m = model.manager().newSubManager()) {
      PeftAdapter adapter = PeftAdapter.check(input.dir(), config);
      adapter.attachTo(model);
      try (TrainedWeights trained = TrainedWeights.attach(model, s)) {
        assertEquals(targets, List.copyOf(model.adapters().keySet()), "the input adapter stays attached, unmerged");
        List<String> layer2 = targets.stream().filter(t -> t.startsWith("model.layers.1.")).toList();
        assertEquals(layer2.stream().flatMap(t -> java.util.stream.Stream.of(LowRankAdapter.tensorName(t, 'A'),
            LowRankAdapter.tensorName(t, 'B'))).toList(), trained.parameters().names(),
            "what trains: the input adapter's own A and B of layer 2, nothing else");
        // a training step's worth of change on every trained tensor
        for (NDArray master : trained.parameters().masters().values()) {
          try (NDManager scope = m.newSubManager()) {
            NDArray noise = scope.randomNormal(0, 0.05f, master.getShape(), DataType.FLOAT32);
            master.set(new NDIndex("..."), master.add(noise));
          }
        }
        trained.parameters().syncWorking();
        engine = model.logits(Inputs.of(m, new long[][] {tokens}, null, false, 0), null).toFloatArray();
        try (NDManager host = NDManager.newBaseManager(Device.cpu())) {
          PeftAdapter.write(out, adapter.config(), config, trained.adapterForSaving(adapter, host), TensorDType.F32);
        }
      }
    }
    assertEquals(input.config().json(), LoraConfig.load(out).json(), "the input's config, unchanged");
    try (LlamaModel reopened = CheckedModel.weights(out, base.dir(), Device.cpu(), DataType.FLOAT32);
        NDManager m = reopened.manager().newSubManager()) {
      float[] got = reopened.logits(Inputs.of(m, new long[][] {tokens}, null, false, 0), null).toFloatArray();
      assertEquals(engine.length, got.length);
      double worst = 0;
      for (int i = 0; i < got.length; i++) {
        worst = Math.max(worst, Math.abs(engine[i] - got[i]));
      }
      assertTrue(worst < 1e-5, "the written adapter on its base computes the engine's logits: max diff " + worst);
      PeftAdapter written = PeftAdapter.check(out, config);
      try (NDManager host = NDManager.newBaseManager(Device.cpu())) {
        for (String t : targets) {
          NDArray[] ab = written.load(t, host);
          boolean trained = t.startsWith("model.layers.1.");
          float[] storedA = input.stored().get(PeftAdapter.key(t, 'A'));
          assertEquals(!trained, java.util.Arrays.equals(storedA, ab[0].toFloatArray()),
              t + (trained ? " was trained" : " lies outside trainable_from..trainable_to: as the input stored it"));
          if (!trained) {
            assertArrayEquals(input.stored().get(PeftAdapter.key(t, 'B')), ab[1].toFloatArray(), t);
          }
        }
      }
    }
  }
}
