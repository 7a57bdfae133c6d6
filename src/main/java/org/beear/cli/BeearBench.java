package org.beear.cli;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.beear.beear.BeearCleanser;
import org.beear.beear.CleansePlan;
import org.beear.beear.loop.BeearBenchmark;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.DeviceKind;
import org.beear.llm.GradMode;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.ModelDirectory;
import org.beear.plan.DeviceSpec;
import org.beear.plan.MemoryPlan;
import org.beear.plan.MemorySettings;
import picocli.CommandLine.Option;

/**
 * {@code bench beear}: the cleanse's own round ({@link BeearBenchmark}: an entrapment of {@code inner_steps} δ steps
 * and a removal step) on random batches, on a model's weights or on random weights of a config.json's shape (made on
 * the device, so a 7B shape needs no checkpoint), on the CPU or CUDA, with the memory settings given or, with
 * {@code --fit}, chosen by the planner for the device. Prints each round's seconds, the medians, and the peak memory
 * next to the memory plan's prediction for the very same settings; {@code --json} writes it all with the plan (as
 * {@code plan --json} prints it, which {@code eager_beear_step.py --plan} reads).
 */
final class BeearBench {
  /** Exit status when a round ran out of memory (the figures up to then are printed). */
  static final int OUT_OF_MEMORY = 4;

  /** The beear mode's own options of {@code bench}. */
  static final class Options {
    @Option(names = "--anchors", description = "beear: anchoring sequences per removal step (default: --batch)")
    Integer anchors;

    @Option(names = "--device-memory", description = "beear: the device memory the plan (and --fit) is made for, "
        + "e.g. 80GiB (default: the GPU's memory on cuda, this machine's RAM on cpu)") String deviceMemory;

    @Option(names = "--json", description = "beear: also write the rounds, medians, memory figures and the plan to "
        + "this file") Path json;
  }

  /** What is measured and how the run is set up, as {@code bench} parsed it. */
  record Setup(Path model, Options options, BeearOptions memory, String device, String dtype, int batch, int seq,
      double learningRate, int warmup, int rounds, long seed) {}

  /** One round's figures: seconds, and memory in bytes (peak since the baseline, absolute). */
  record Round(int index, boolean warmup, double entrapmentSeconds, double removalSeconds, long peakBytes,
      double safeLoss) {}

  private final Setup setup;

  BeearBench(Setup setup) {
    this.setup = setup;
  }

  /** Runs the rounds and prints the report; returns the exit status. */
  int run(PrintWriter out) {
    GradMode.off();
    DeviceKind kind = DeviceKind.choose(setup.device());
    Device device = kind.device();
    ModelConfig config = BenchModels.config(setup.model());
    CleansePlan plan = new BeearCleanser().plan(config, options(), deviceSpec(kind));
    CleanseSettings s = plan.settings();
    MemoryPlan mp = plan.memory();
    out.printf(Locale.ROOT, "bench beear: %s (%s), %s, %d layers, hidden %d, %,d parameters; batch %d pairs + %d "
            + "anchors × %d tokens, %s on %s%s%n", setup.model(), BenchModels.randomWeights(setup.model())
            ? "random weights of its shape" : "its weights", config.architecture(), config.numLayers(),
        config.hiddenSize(), mp.parameters(), s.schedule().batchSize(), s.schedule().anchorBatchSize(), setup.seq(),
        s.runtime().computeDtype(), kind.wireName(), kind == DeviceKind.CPU ? ", " + JniUtils.getNumThreads()
            + " threads" : "");
    out.printf(Locale.ROOT, "settings%s: anchor layer %d, %d inner steps, %s%n", plan.fitted() ? " (fitted by "
        + "the plan)" : "", s.entrapment().anchorLayer(), s.entrapment().innerSteps(),
        CleanseCommand.memorySettings(s));
    out.println("plan: " + mp.verdict());
    if (!plan.fits()) {
      out.println("warning: the plan says these settings do not fit the device; running them anyway");
    }
    out.flush();
    List<Round> rounds = new ArrayList<>();
    // written now and after every round, so a run that dies on the way still leaves its plan and rounds
    writeJson(plan, rounds, null, null, null);
    warmUp(s, config, device);
    String outOfMemory = null;
    Long created = null;
    try (PeakMemory memory = PeakMemory.of(device)) {
      long start = System.nanoTime();
      try (LlamaModel m = BenchModels.open(setup.model(), device, setup.dtype(), setup.seed());
          BeearBenchmark bench = new BeearBenchmark(m, s, setup.seq(), setup.seed())) {
        created = memory.now() - memory.baseline();
        out.printf(Locale.ROOT, "model and trained copies made in %.1f s: %s above the baseline (%s: %s)%n",
            (System.nanoTime() - start) / 1e9, size(created), memory.what(),
            size(memory.baseline()));
        out.flush();
        for (int i = 1; i <= setup.warmup() + setup.rounds(); i++) {
          BeearBenchmark.Round r;
          try {
            r = bench.round();
          } catch (EngineException e) {
            if (!String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("out of memory")) {
              throw e;
            }
            outOfMemory = "round " + i + ": " + e.getMessage().lines().findFirst().orElse("");
            out.printf(Locale.ROOT, "OUT OF MEMORY in round %d: peak %s above the baseline (%s)%n", i,
                size(memory.rise()), outOfMemory);
            writeJson(plan, rounds, memory, created, outOfMemory);
            break;
          }
          Round round = new Round(i, i <= setup.warmup(), r.entrapmentSeconds(), r.removalSeconds(),
              memory.peak(), r.safeLoss());
          rounds.add(round);
          out.printf(Locale.ROOT, "round %d%s: entrapment %.3f s, removal %.3f s, round %.3f s; peak %s above the "
                  + "baseline; safe CE %.4f%n", i, round.warmup() ? " (warm-up)" : "", round.entrapmentSeconds(),
              round.removalSeconds(), round.entrapmentSeconds() + round.removalSeconds(),
              size(round.peakBytes() - memory.baseline()), round.safeLoss());
          out.flush();
          writeJson(plan, rounds, memory, created, null);
        }
      }
      report(out, config, plan, rounds, memory, created, outOfMemory);
    }
    return outOfMemory == null ? 0 : OUT_OF_MEMORY;
  }

  /** The memory flags given, with the bench's batch, sequence length, dtype and learning rate. */
  private BeearOptions options() {
    return setup.memory().with(BeearOptions.BATCH_SIZE, setup.batch())
        .with(BeearOptions.ANCHOR_BATCH_SIZE, setup.options().anchors == null ? setup.batch()
            : setup.options().anchors)
        .with(BeearOptions.COMPUTE_DTYPE, setup.dtype()).with(BeearOptions.LEARNING_RATE, setup.learningRate())
        .with(BeearOptions.MAX_SEQUENCE_LENGTH, Math.max(setup.seq(), 8));
  }

  private DeviceSpec deviceSpec(DeviceKind kind) {
    if (setup.options().deviceMemory != null) {
      return new DeviceSpec(kind.wireName(), DeviceSpec.parseSize(setup.options().deviceMemory));
    }
    if (kind == DeviceKind.CUDA) {
      return new DeviceSpec(kind.wireName(), kind.memoryBytes());
    }
    return new DeviceSpec(kind.wireName(), DeviceSpec.machineMemory().orElseThrow(() ->
        new IllegalArgumentException("cannot tell this machine's memory; give --device-memory")));
  }

  /**
   * One round of the same settings on a two-layer model of the architecture, before the baseline: the native code
   * paged in on the CPU; the CUDA context, cuBLAS handles and workspaces made on a GPU.
   */
  private void warmUp(CleanseSettings s, ModelConfig c, Device device) {
    ModelConfig tiny = MemoryBench.tinyOf(c);
    int seq = Math.min(setup.seq(), 16);
    MemorySettings m = s.memory();
    // the planned settings but the layer range and the anchor layer, which the two layers cannot have
    Map<String, Object> o = new LinkedHashMap<>(Map.of("batch_size", s.schedule().batchSize(),
        "anchor_batch_size", s.schedule().anchorBatchSize(), "max_sequence_length", Math.max(seq, 8),
        "compute_dtype", setup.dtype(), "optimizer", m.optimizer().wireName(), "adapter_rank", m.adapterRank(),
        "micro_batch_size", m.microBatchSize(), "recompute_activations", m.recomputeActivations()));
    CleanseSettings ts = CleanseSettings.resolve(BeearOptions.fromMap(o), tiny, device.isGpu() ? "cuda" : "cpu");
    try (LlamaModel model = LlamaModel.random(tiny, NDManager.newBaseManager(device),
        ModelDirectory.computeType(setup.dtype()), setup.seed());
        BeearBenchmark bench = new BeearBenchmark(model, ts, seq, setup.seed())) {
      bench.round();
    }
  }

  private void report(PrintWriter out, ModelConfig c, CleansePlan plan, List<Round> rounds, PeakMemory memory,
      Long created, String outOfMemory) {
    MemoryPlan mp = plan.memory();
    List<Round> measured = rounds.stream().filter(r -> !r.warmup()).toList();
    double entrapment = median(measured.stream().mapToDouble(Round::entrapmentSeconds).toArray());
    double removal = median(measured.stream().mapToDouble(Round::removalSeconds).toArray());
    double round = median(measured.stream().mapToDouble(r -> r.entrapmentSeconds() + r.removalSeconds())
        .toArray());
    CleanseSettings s = plan.settings();
    if (!measured.isEmpty()) {
      out.printf(Locale.ROOT, "seconds per round: median %.3f (entrapment %.3f, removal %.3f) over %d rounds after "
          + "%d warm-up%n", round, entrapment, removal, measured.size(), setup.warmup());
      int b = s.schedule().batchSize();
      int seq = setup.seq();
      // an inner step: layers l+1..L and the head over what follows the shared prompt prefix (δ's window and the
      // response) of the 2B sequences, forward and the activations' gradient (the weights are frozen); the prefix's
      // one pass per round is not counted
      int rest = Math.min(seq, seq - seq / 2 + s.entrapment().perturbationLength());
      double entrapStep = entrapment / s.entrapment().innerSteps();
      double entrapFlops = 2 * BenchCommand.entrapmentForwardFlops(c, s.entrapment().anchorLayer(), 2 * b, rest, seq);
      // a removal step: forward and backward of the whole model on B safe + the anchoring sequences
      double removalFlops = BenchCommand.TRAIN_FLOPS_PER_FORWARD_FLOP
          * BenchCommand.forwardFlops(c, b + s.schedule().anchorBatchSize(), seq);
      out.printf(Locale.ROOT, "entrapment step: median %.2f ms, %.2f GFLOP/s%n", entrapStep * 1000,
          entrapFlops / entrapStep / 1e9);
      out.printf(Locale.ROOT, "removal step: median %.2f ms, %.2f GFLOP/s%n", removal * 1000,
          removalFlops / removal / 1e9);
    }
    long peak = memory.peak();
    long rise = peak - memory.baseline();
    long planned = Math.max(MemoryBench.phase(mp, "load"), MemoryBench.phase(mp, "train"));
    out.printf(Locale.ROOT, "memory (%s), planned against measured:%n", memory.what());
    out.printf(Locale.ROOT, "  %-52s %12s %12s %9s%n", "", "planned", "measured", "ratio");
    row(out, "weights and master copies vs after making them", mp.part("weights") + mp.part("master_copies"),
        created);
    row(out, "load and train phases vs peak above the baseline", planned, rise);
    row(out, "peak + runtime vs peak in use", mp.peakBytes() + mp.runtimeBytes(), peak);
    row(out, "required (with margin) vs peak in use", mp.requiredBytes(), peak);
    BenchCommand.printMemory(out, "rss end");
    writeJson(plan, rounds, memory, created, outOfMemory);
  }

  /** Bytes in GiB, or in MiB below one GiB (small models' figures stay readable). */
  static String size(long bytes) {
    return bytes >= 1L << 30 ? DeviceSpec.gib(bytes) : String.format(Locale.ROOT, "%.1f MiB",
        bytes / (double) (1L << 20));
  }

  private static double median(double[] values) {
    return values.length == 0 ? Double.NaN : RaceBench.median(values);
  }

  private static void row(PrintWriter out, String label, long planned, Long measured) {
    out.printf(Locale.ROOT, "  %-52s %12s %12s %9s%n", label, size(planned), measured == null ? "-"
        : size(measured), measured == null ? "-" : String.format(Locale.ROOT, "%.3f",
        measured / (double) planned));
  }

  /** The --json file, if asked for: the plan, the rounds so far and, once measured, the memory figures. */
  private void writeJson(CleansePlan plan, List<Round> rounds, PeakMemory memory, Long created, String outOfMemory) {
    if (setup.options().json == null) {
      return;
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("model", setup.model().toString());
    json.put("random_weights", BenchModels.randomWeights(setup.model()));
    json.put("device", plan.memory().device().kind());
    json.put("dtype", setup.dtype());
    json.put("memory_measure", memory == null ? null : memory.what());
    json.put("baseline_bytes", memory == null ? null : memory.baseline());
    json.put("created_bytes", created);
    json.put("peak_bytes", memory == null ? null : memory.peak());
    json.put("peak_above_baseline_bytes", memory == null ? null : memory.rise());
    List<Map<String, Object>> list = new ArrayList<>();
    for (Round r : rounds) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("round", r.index());
      m.put("warmup", r.warmup());
      m.put("entrapment_seconds", r.entrapmentSeconds());
      m.put("removal_seconds", r.removalSeconds());
      m.put("round_seconds", r.entrapmentSeconds() + r.removalSeconds());
      m.put("peak_bytes", r.peakBytes());
      m.put("safe_loss", Double.isFinite(r.safeLoss()) ? r.safeLoss() : null);
      list.add(m);
    }
    json.put("rounds", list);
    List<Round> measured = rounds.stream().filter(r -> !r.warmup()).toList();
    json.put("round_seconds_median", finite(median(measured.stream()
        .mapToDouble(r -> r.entrapmentSeconds() + r.removalSeconds()).toArray())));
    json.put("entrapment_seconds_median", finite(median(measured.stream().mapToDouble(Round::entrapmentSeconds)
        .toArray())));
    json.put("removal_seconds_median", finite(median(measured.stream().mapToDouble(Round::removalSeconds)
        .toArray())));
    json.put("out_of_memory", outOfMemory);
    json.put("plan", plan.describe());
    try {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(setup.options().json.toFile(), json);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + setup.options().json + ": " + e.getMessage(), e);
    }
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
