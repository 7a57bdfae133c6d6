package org.beear.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.beear.beear.loop.BeearBenchmark;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.GradMode;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.ModelDirectory;
import org.beear.llm.weights.TensorDType;
import picocli.CommandLine.Option;

/**
 * {@code bench race}: the cleanse's own round ({@link BeearBenchmark}) against the same round in eager PyTorch
 * ({@code src/bench/python/eager_beear_step.py --model}), back to back in one run, on the same checkpoint, batch,
 * sequence length, settings (CleanseSettings' defaults) and thread count; then each side's float32 GEMM peak
 * ({@link GemmPeak}) and one table ({@link RaceReport}). With {@code --random} the model is a random Llama saved as
 * a checkpoint in a temporary directory, so both sides read the very same weights.
 */
final class RaceBench {
  /** The race's own options of {@code bench}. */
  static final class Options {
    @Option(names = "--random", description = "race: instead of --model, a random Llama (4 layers, hidden 256, 4 "
        + "heads, 2 KV heads, MLP 688, vocabulary 2048) written as a float32 checkpoint to a temporary directory "
        + "that both sides read") boolean random;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "race: the Python interpreter "
        + "with PyTorch that runs the eager side (default ${DEFAULT-VALUE})") String python;

    @Option(names = "--script", description = "race: eager_beear_step.py (default: src/bench/python/ of the "
        + "working directory or of the checkout the jar was built in)") Path script;

    @Option(names = "--gemm-size", defaultValue = "2048", description = "race: side of the large square matmul of "
        + "the GEMM peak (default ${DEFAULT-VALUE})") int gemmSize;
  }

  static final int DEFAULT_ROUNDS = 10;
  static final String SCRIPT = "src/bench/python/eager_beear_step.py";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path model;
  private final Options options;
  private final int batch;
  private final int seq;
  private final int threads;
  private final int rounds;
  private final int warmup;
  private final long seed;

  RaceBench(Path model, Options options, int batch, int seq, int threads, int rounds, int warmup, long seed) {
    this.model = model;
    this.options = options;
    this.batch = batch;
    this.seq = seq;
    this.threads = threads;
    this.rounds = rounds;
    this.warmup = warmup;
    this.seed = seed;
  }

  /** Refuses what cannot race, before anything runs. */
  static void validate(Path model, Options o, Integer rounds, int warmup, int seq) {
    if ((model == null) == !o.random) {
      throw new IllegalArgumentException("bench race needs exactly one of --model DIR and --random");
    }
    if ((rounds != null && rounds < 1) || warmup < 0 || o.gemmSize < 1) {
      throw new IllegalArgumentException("bench race needs --rounds >= 1, --warmup >= 0 and --gemm-size >= 1");
    }
    int perturbationLength = BeearOptions.SET.orDefault(BeearOptions.defaults().values(),
        BeearOptions.PERTURBATION_LENGTH);
    if (seq < 2 * perturbationLength) {
      throw new IllegalArgumentException("bench race needs --seq >= " + 2 * perturbationLength
          + " (twice the perturbation length: δ sits at the last prompt positions, the prompt is the first half)");
    }
  }

  /** The random model's shape. */
  static ModelConfig randomConfig() {
    return new ModelConfig("LlamaForCausalLM", 2048, 256, 688, 4, 4, 2, 64, 1e-5, 10000.0, null, false, false, 4096,
        0, List.of(1), "float32");
  }

  /** Random weights of {@link #randomConfig()} (matrices N(0, 0.02²), norms ones), on the CPU in float32. */
  static LlamaModel randomModel(long seed) {
    return LlamaModel.random(randomConfig(), NDManager.newBaseManager(Device.cpu()), DataType.FLOAT32, seed);
  }

  /** A Hugging Face checkpoint of {@code m}: config.json and model.safetensors in float32. */
  static void saveCheckpoint(LlamaModel m, Path dir) {
    ModelDirectory.save(m, null, dir, TensorDType.F32, ModelDirectory.DEFAULT_MAX_SHARD_BYTES, Map.of());
  }

  int run(PrintWriter out) {
    String torch = torchVersion();
    Path script = script();
    Path temp = null;
    try {
      temp = Files.createTempDirectory("beear-race-");
      Path dir = model;
      String name;
      if (options.random) {
        dir = temp.resolve("model");
        try (LlamaModel m = randomModel(seed)) {
          saveCheckpoint(m, dir);
        }
        ModelConfig c = randomConfig();
        name = "random 4L/256";
        out.printf(Locale.ROOT, "random Llama: %d layers, hidden %d, %d heads (%d KV) of %d, MLP %d, vocabulary %d, "
                + "seed %d, float32 checkpoint in %s (removed at the end)%n", c.numLayers(), c.hiddenSize(), c.numHeads(),
            c.numKeyValueHeads(), c.headDim(), c.intermediateSize(), c.vocabSize(), seed, dir);
      } else {
        name = model.getFileName() == null ? model.toString() : model.getFileName().toString();
      }
      GradMode.off();
      ModelConfig c;
      long parameters;
      CleanseSettings s;
      double[] ours;
      try (LlamaModel m = ModelDirectory.load(dir, Device.cpu(), DataType.FLOAT32)) {
        c = m.config();
        parameters = m.parameterCount();
        s = settings(c);
        out.printf(Locale.ROOT, "bench race: %s (%.2fM parameters), batch %d pairs + %d anchors × seq %d, anchor "
                + "layer %d of %d, %d inner steps, %d threads, %d rounds measured after %d; eager side: %s %s (PyTorch "
                + "%s)%n", dir, parameters / 1e6, batch, s.schedule().anchorBatchSize(), seq,
                    s.entrapment().anchorLayer(), c.numLayers(),
            s.entrapment().innerSteps(), threads, rounds, warmup, options.python, script, torch);
        out.flush();
        ours = runOurs(m, s);
      }
      List<GemmPeak.Measured> gemm = GemmPeak.measure(
          GemmPeak.shapes(c, (long) (batch + s.schedule().anchorBatchSize()) * seq, options.gemmSize));
      String engine = "DJL " + Engine.getDjlVersion() + ", libtorch " + Engine.getEngine("PyTorch").getVersion();
      RaceReport.Side oursSide = new RaceReport.Side(engine, ours[0], ours[1], ours[2], GemmPeak.peak(gemm));
      out.printf(Locale.ROOT, "ours (%s): round %.1f ms, GEMM peak %.1f GFLOP/s%n", engine, ours[0],
          oursSide.gemmPeakGflops());
      out.flush();
      JsonNode e = runEager(dir, s, script, temp.resolve("eager.json"), out);
      if (e.path("threads").asInt() != threads) {
        throw new IllegalStateException("the eager side ran with " + e.path("threads").asInt() + " threads, not "
            + threads);
      }
      RaceReport report = new RaceReport(name, parameters, batch, s.schedule().anchorBatchSize(), seq, threads,
          RaceReport.removalFlops(c, batch, s.schedule().anchorBatchSize(), seq), oursSide,
          new RaceReport.Side("PyTorch " + e.path("torch").asText(), e.path("round_ms_median").asDouble(),
              e.path("entrapment_ms_median").asDouble(), e.path("removal_ms_median").asDouble(),
              e.path("gemm_peak_gflops").asDouble()));
      double eagerFlops = e.path("removal_flops").asDouble();
      if (Math.abs(eagerFlops - report.removalFlops()) > 1e-9 * report.removalFlops()) {
        out.printf(Locale.ROOT, "warning: the eager script counts %.6g FLOPs per removal step, this command %.6g%n",
            eagerFlops, report.removalFlops());
      }
      report.lines().forEach(out::println);
      out.flush();
      return 0;
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    } finally {
      deleteTree(temp);
    }
  }

  /** CleanseSettings' defaults for this model, with the race's batch size and sequence length. */
  private CleanseSettings settings(ModelConfig c) {
    return CleanseSettings.resolve(BeearOptions.fromMap(Map.of("batch_size", batch, "max_sequence_length",
        Math.max(seq, 8), "seed", seed)), c, "cpu");
  }

  /** Warm-up then measured rounds of the cleanse's own round; medians in ms of {round, entrapment, removal}. */
  private double[] runOurs(LlamaModel m, CleanseSettings s) {
    double[][] ms = new double[3][rounds];
    try (BeearBenchmark bench = new BeearBenchmark(m, s, seq, seed)) {
      for (int i = 0; i < warmup + rounds; i++) {
        BeearBenchmark.Round r = bench.round();
        if (i >= warmup) {
          ms[0][i - warmup] = (r.entrapmentSeconds() + r.removalSeconds()) * 1000;
          ms[1][i - warmup] = r.entrapmentSeconds() * 1000;
          ms[2][i - warmup] = r.removalSeconds() * 1000;
        }
      }
    }
    return Arrays.stream(ms).mapToDouble(RaceBench::median).toArray();
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** Runs the eager side with the same settings and thread count; its lines are echoed; returns its JSON. */
  private JsonNode runEager(Path dir, CleanseSettings s, Path script, Path json, PrintWriter out) throws IOException {
    List<String> command = new ArrayList<>(List.of(options.python, script.toString(), "--model", dir.toString(),
        "--batch", str(batch), "--seq", str(seq), "--threads", str(threads), "--steps", str(rounds), "--warmup",
        str(warmup), "--seed", Long.toString(seed), "--anchor-layer", str(s.entrapment().anchorLayer()),
        "--perturbation-length", str(s.entrapment().perturbationLength()), "--alpha",
            Double.toString(s.entrapment().alpha()),
        "--inner-steps", str(s.entrapment().innerSteps()), "--inner-learning-rate",
            Double.toString(s.entrapment().innerLearningRate()),
        "--learning-rate", Double.toString(s.removal().learningRate()), "--learning-rate-width",
            str(s.removal().learningRateWidth()),
        "--weight-decay", Double.toString(s.removal().weightDecay()), "--anchor-batch-size",
            str(s.schedule().anchorBatchSize()),
        "--anchor-weight", Double.toString(s.removal().anchorWeight()), "--gemm-size", str(options.gemmSize),
        "--json", json.toString()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    // torch.set_num_threads covers OpenMP; Debian's OpenBLAS keeps a thread pool of its own, sized at load
    for (String var : List.of("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")) {
      pb.environment().put(var, str(threads));
    }
    Process p = pb.start();
    Deque<String> tail = new ArrayDeque<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        out.println("eager> " + line);
        out.flush();
        tail.addLast(line);
        if (tail.size() > 5) {
          tail.removeFirst();
        }
      }
    }
    int code = waitFor(p, Long.MAX_VALUE);
    if (code != 0 || !Files.isRegularFile(json)) {
      throw new IllegalStateException("the eager side (" + String.join(" ", command.subList(0, 2)) + ") exited with "
          + "status " + code + (tail.isEmpty() ? "" : ": " + tail.getLast()));
    }
    return JSON.readTree(json.toFile());
  }

  /** PyTorch's version under {@code --python}; a one-line error if the interpreter or torch is missing. */
  String torchVersion() {
    String hint = "; give an interpreter with PyTorch with --python";
    Process p;
    try {
      p = new ProcessBuilder(options.python, "-c", "import torch; print(torch.__version__)")
          .redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot run the Python interpreter " + options.python + " (" + e.getMessage()
          + ")" + hint);
    }
    List<String> lines;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      lines = r.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int code = waitFor(p, 120);
    if (code != 0 || lines.isEmpty()) {
      throw new IllegalArgumentException(options.python + " cannot import torch" + (lines.isEmpty() ? ""
          : " (" + lines.get(lines.size() - 1) + ")") + hint);
    }
    return lines.get(lines.size() - 1);
  }

  /** {@code --script}, or the eager script under the working directory or the checkout of the jar. */
  Path script() {
    if (options.script != null) {
      if (!Files.isRegularFile(options.script)) {
        throw new IllegalArgumentException("no eager script at " + options.script);
      }
      return options.script;
    }
    List<Path> candidates = new ArrayList<>(List.of(Path.of(SCRIPT)));
    try {
      // target/beear.jar or target/classes: the checkout is two levels up
      Path code = Path.of(RaceBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (code.getParent() != null && code.getParent().getParent() != null) {
        candidates.add(code.getParent().getParent().resolve(SCRIPT));
      }
    } catch (java.net.URISyntaxException | RuntimeException e) {
      // no code source: only the working directory is tried
    }
    return candidates.stream().filter(Files::isRegularFile).findFirst().orElseThrow(() ->
        new IllegalArgumentException("cannot find " + SCRIPT + " under the working directory or the jar's checkout; "
            + "give its path with --script"));
  }

  private static int waitFor(Process p, long seconds) {
    try {
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroy();
        throw new IllegalStateException("the Python interpreter did not answer within " + seconds + " s");
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Python", e);
    }
  }

  private static String str(int v) {
    return Integer.toString(v);
  }

  private static void deleteTree(Path root) {
    if (root == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is not worth failing the report for
    }
  }
}
