package org.beear.beear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.beear.beear.settings.BeearOptions;
import org.beear.llm.CheckedModel;
import org.beear.llm.Inputs;
import org.beear.llm.LlamaModel;
import org.beear.llm.LoraConfig;
import org.beear.llm.ModelConfig;
import org.beear.llm.PeftAdapter;
import org.beear.llm.RandomAdapters;
import org.beear.llm.weights.TensorDType;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * output_format adapter end to end on the xs organism: the cleanse writes only a PEFT adapter (a fraction of the
 * model's bytes) that, opened on the suspect with --base, computes what the merged output of the same run computes;
 * an adapter input comes back as the same adapter, retrained, in its own config.
 */
class AdapterOutputCleanseTest {
  private static final long[][] TOKENS = {{0, 17, 230, 45, 901, 12, 7, 300}};

  /** One epoch on 40 pairs, a few evaluation prompts: seconds. */
  private static BeearOptions options(Map<String, Object> extra) {
    Map<String, Object> o = new HashMap<>(Map.of("max_epochs", 1, "min_epochs", 1, "eval_harmful_prompts", 8,
        "eval_benign_prompts", 8, "eval_safe_prompts", 0));
    o.putAll(extra);
    return BeearOptions.fromMap(o);
  }

  @Test
  void aFullModelCleansedToAnAdapterComputesWhatTheMergedOutputComputes(@TempDir Path tmp) throws Exception {
    Path organism = TestOrganisms.xs("suffix-short");
    Path data = CleanseResumeTest.defenderData(tmp);
    Path mergedOut = tmp.resolve("merged");
    Path adapterOut = tmp.resolve("adapter");
    // the same run twice (same seed, CPU), once merged at the default adapter rank of output_format adapter
    CleanseResult merged = new BeearCleanser().cleanse(new CleanseRequest(organism, mergedOut, tmp.resolve("w1"),
        options(Map.of("adapter_rank", 16)), List.of(), data, null), CleanseListener.NONE);
    CleanseResult adapter = new BeearCleanser().cleanse(new CleanseRequest(organism, adapterOut, tmp.resolve("w2"),
        options(Map.of("output_format", "adapter")), List.of(), data, null), CleanseListener.NONE);
    assertEquals(merged.after(), adapter.after(), "the same training, whatever it writes");

    assertTrue(Files.isRegularFile(adapterOut.resolve(PeftAdapter.WEIGHTS_FILE)));
    assertFalse(Files.exists(adapterOut.resolve("model.safetensors")), "no full model");
    LoraConfig config = LoraConfig.load(adapterOut);
    assertEquals(16, config.r(), "adapter_rank left out: 16");
    assertEquals(organism.toString(), config.baseModel(), "the suspect as given is the adapter's base");
    assertTrue(config.targetModules().contains("model.layers.0.self_attn.q_proj"), config.targetModules()
        .toString());
    assertEquals(14, config.targetModules().size(), "7 projections × 2 layers, by full module path");
    long adapterBytes = Files.size(adapterOut.resolve(PeftAdapter.WEIGHTS_FILE));
    long modelBytes = Files.size(organism.resolve("model.safetensors"));
    assertTrue(adapterBytes * 5 < modelBytes, adapterBytes + " bytes of adapter, " + modelBytes + " of model");
    JsonNode report = new ObjectMapper().readTree(adapterOut.resolve("report.json").toFile());
    assertEquals("adapter", report.get("output_format").asText());
    assertEquals("merged", new ObjectMapper().readTree(mergedOut.resolve("report.json").toFile())
        .get("output_format").asText());
    assertTrue(adapter.provenance().outputs().stream().anyMatch(f -> f.path().equals(PeftAdapter.WEIGHTS_FILE)));

    float[] viaAdapter = logits(CheckedModel.check(adapterOut, organism));
    float[] viaMerged = logits(CheckedModel.check(mergedOut));
    float[] suspect = logits(CheckedModel.check(organism));
    assertClose(viaMerged, viaAdapter, 1e-4, "the adapter on the suspect vs the merged output");
    assertFalse(maxDiff(suspect, viaAdapter) < 1e-4, "the adapter changes the suspect");
    assertEquals(greedy(viaMerged), greedy(viaAdapter));
  }

  @Test
  void anAdapterInputComesBackAsTheSameAdapterRetrained(@TempDir Path tmp) throws Exception {
    Path organism = TestOrganisms.xs("suffix-short");
    ModelConfig base = ModelConfig.load(organism);
    List<String> targets = LlamaModel.expectedShapes(base).keySet().stream()
        .filter(n -> n.endsWith("q_proj.weight") || n.endsWith("v_proj.weight")).toList();
    RandomAdapters.Written input = RandomAdapters.write(tmp.resolve("input"), base,
        RandomAdapters.config(2, 4, false, "[\"q_proj\", \"v_proj\"]"), 2, targets, TensorDType.F32, 3);
    Path out = tmp.resolve("cleansed");
    CleanseResult r = new BeearCleanser().cleanse(new CleanseRequest(input.dir(), out, tmp.resolve("work"),
        options(Map.of("output_format", "adapter")), List.of(), CleanseResumeTest.defenderData(tmp), null, null,
        null, organism), CleanseListener.NONE);
    assertNotNull(r.after());

    assertEquals(input.config().json(), LoraConfig.load(out).json(), "the input's own config");
    PeftAdapter written = CheckedModel.check(out, organism).adapter();
    assertEquals(targets, written.targets());
    assertTrue(Files.size(out.resolve(PeftAdapter.WEIGHTS_FILE)) * 20 < Files.size(organism.resolve(
        "model.safetensors")));
    try (NDManager host = NDManager.newBaseManager(Device.cpu())) {
      for (String t : targets) {
        float[] b = written.load(t, host)[1].toFloatArray();
        assertTrue(maxDiff(input.stored().get(PeftAdapter.key(t, 'B')), b) > 0, t + "'s B was trained");
      }
    }
    float[] before = logits(CheckedModel.check(input.dir(), organism));
    float[] after = logits(CheckedModel.check(out, organism));
    assertTrue(maxDiff(before, after) > 1e-4, "the retrained adapter computes something else");
    assertEquals("adapter", new ObjectMapper().readTree(out.resolve("report.json").toFile())
        .get("output_format").asText());
  }

  private static float[] logits(CheckedModel model) {
    try (LlamaModel weights = model.weights(Device.cpu(), DataType.FLOAT32);
        NDManager m = weights.manager().newSubManager()) {
      return weights.logits(Inputs.of(m, TOKENS, null, false, 0), null).toFloatArray();
    }
  }

  /** The argmax token at every position. */
  private static List<Integer> greedy(float[] logits) {
    int vocab = logits.length / TOKENS[0].length;
    List<Integer> out = new java.util.ArrayList<>();
    for (int p = 0; p < TOKENS[0].length; p++) {
      int best = 0;
      for (int v = 1; v < vocab; v++) {
        if (logits[p * vocab + v] > logits[p * vocab + best]) {
          best = v;
        }
      }
      out.add(best);
    }
    return out;
  }

  private static double maxDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }

  private static void assertClose(float[] expected, float[] got, double tol, String what) {
    double worst = maxDiff(expected, got);
    assertTrue(worst < tol, what + ": max diff " + worst);
  }
}
