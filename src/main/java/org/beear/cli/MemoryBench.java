package org.beear.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.beear.beear.loop.BeearBenchmark;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.GradMode;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.ModelDirectory;
import org.beear.plan.DeviceSpec;
import org.beear.plan.MemoryPlan;
import org.beear.plan.MemoryPlanner;

/**
 * {@code bench memory}: the memory plan checked against measurement. For each of three setting combinations (full
 * AdamW; rank-16 adapters; activation recomputation with Adafactor) it loads the model (or draws random weights of
 * a config.json's shape), runs a few of the cleanse's own rounds, and prints the planned peak of the load and
 * training phases next to the measured one: the process's peak resident memory (VmHWM, reset per combination)
 * minus its resident memory just before the model was loaded.
 *
 * <p>Resident memory counts what the C allocator keeps after a free unless large allocations are mapped and
 * unmapped as they come and go: the launcher sets {@code MALLOC_MMAP_THRESHOLD_} for this command. A warm-up round
 * on a tiny model of the same architecture first pages in the native code the rounds run, so the baseline holds it.
 */
final class MemoryBench {
  /** The three combinations the plan is checked on, by name, as option overrides. */
  static final Map<String, Map<String, Object>> COMBINATIONS = new LinkedHashMap<>();

  static {
    COMBINATIONS.put("full AdamW", Map.of("optimizer", "adamw", "adapter_rank", 0));
    COMBINATIONS.put("adapters (rank 16)", Map.of("optimizer", "adamw", "adapter_rank", 16));
    COMBINATIONS.put("recompute + Adafactor", Map.of("optimizer", "adafactor", "recompute_activations", true));
  }

  /** One combination's figures, in bytes. */
  record Row(String name, long plannedLoad, long plannedTrain, long measured, double seconds) {
    long planned() {
      return Math.max(plannedLoad, plannedTrain);
    }
  }

  private final Path model;
  private final String dtype;
  private final int batch;
  private final int seq;
  private final int rounds;
  private final int innerSteps;
  private final long seed;

  MemoryBench(Path model, String dtype, int batch, int seq, int rounds, int innerSteps, long seed) {
    this.model = model;
    this.dtype = dtype;
    this.batch = batch;
    this.seq = seq;
    this.rounds = rounds;
    this.innerSteps = innerSteps;
    this.seed = seed;
  }

  List<Row> run(PrintWriter out) {
    GradMode.off();
    ModelConfig config = BenchModels.config(model);
    boolean randomWeights = BenchModels.randomWeights(model);
    if (System.getenv("MALLOC_MMAP_THRESHOLD_") == null) {
      out.println("warning: MALLOC_MMAP_THRESHOLD_ is not set: freed memory stays resident and the measured peaks "
          + "include it; run through bin/beear, which sets it for this command");
    }
    out.printf(Locale.ROOT, "bench memory: %s (%s), %s, %d layers, hidden %d, batch %d pairs + %d anchors × %d "
            + "tokens, %d inner steps, %d rounds per combination%n", model, randomWeights ? "random weights" : "its weights",
        dtype, config.numLayers(), config.hiddenSize(), batch, batch, seq, innerSteps, rounds);
    warmUp(config);
    List<Row> rows = new java.util.ArrayList<>();
    for (Map.Entry<String, Map<String, Object>> combo : COMBINATIONS.entrySet()) {
      PeakMemory memory = PeakMemory.of(Device.cpu());
      long start = System.nanoTime();
      MemoryPlan plan;
      try (LlamaModel m = BenchModels.open(model, Device.cpu(), dtype, seed)) {
        CleanseSettings s = settings(config, combo.getValue());
        plan = MemoryPlanner.plan(config, s.workload(), new DeviceSpec("cpu",
            DeviceSpec.machineMemory().orElse(Long.MAX_VALUE / 2)));
        try (BeearBenchmark bench = new BeearBenchmark(m, s, seq, seed)) {
          for (int r = 0; r < rounds; r++) {
            bench.round();
          }
        }
      }
      long measured = memory.rise();
      Row row = new Row(combo.getKey(), phase(plan, "load"), phase(plan, "train"), measured,
          (System.nanoTime() - start) / 1e9);
      rows.add(row);
      out.printf(Locale.ROOT, "%-24s planned %s (load %s, train %s), measured %s, measured/planned %.3f, %.0f s%n",
          row.name(), DeviceSpec.gib(row.planned()), DeviceSpec.gib(row.plannedLoad()),
          DeviceSpec.gib(row.plannedTrain()), DeviceSpec.gib(measured), measured / (double) row.planned(),
          row.seconds());
      out.flush();
    }
    return rows;
  }

  private CleanseSettings settings(ModelConfig config, Map<String, Object> combination) {
    Map<String, Object> o = new LinkedHashMap<>(Map.of("batch_size", batch, "anchor_batch_size", batch,
        "max_sequence_length", seq, "compute_dtype", dtype, "inner_steps", innerSteps, "seed", seed));
    o.putAll(combination);
    return CleanseSettings.resolve(BeearOptions.fromMap(o), config, "cpu");
  }

  /** One round of each combination on a two-layer model of the same architecture: native code paged in. */
  private void warmUp(ModelConfig c) {
    ModelConfig tiny = tinyOf(c);
    for (Map<String, Object> combo : COMBINATIONS.values()) {
      try (LlamaModel m = LlamaModel.random(tiny, NDManager.newBaseManager(Device.cpu()),
          ModelDirectory.computeType(dtype), seed);
          BeearBenchmark bench = new BeearBenchmark(m, settings(tiny, combo), seq, seed)) {
        bench.round();
      }
    }
  }

  /** A two-layer model of {@code c}'s architecture (vocabulary 256, hidden 64): for warming up the native code. */
  static ModelConfig tinyOf(ModelConfig c) {
    return new ModelConfig(c.architecture(), 256, 64, 128, 2, 4, 4 / Math.min(4, c.kvGroups()), 16,
        c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.attentionBias(), c.tieWordEmbeddings(),
        c.maxPositionEmbeddings(), c.bosTokenId(), c.eosTokenIds(), c.torchDtype());
  }

  static long phase(MemoryPlan plan, String name) {
    return plan.phases().stream().filter(p -> p.name().equals(name)).mapToLong(MemoryPlan.Phase::bytes)
        .findFirst().orElseThrow();
  }
}
