package org.beear.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.beear.llm.DeviceKind;
import org.beear.llm.Inputs;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.Optimizer;
import org.beear.llm.SequenceBatch;
import org.beear.llm.TrainableParameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Times forward passes or full training steps (forward, backward, AdamW) of a model on random token batches and
 * reports the median step time, throughput, achieved matmul GFLOP/s and the process's resident memory over the run,
 * so that a leak shows as RSS growing between step 10 and the last step.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measures ms/step, tokens/s, GFLOP/s and memory of forward passes, training steps or BEEAR's "
        + "entrapment and removal steps on random tokens, or races BEEAR's round against eager PyTorch.")
final class BenchCommand implements Callable<Integer> {

  enum Mode { forward, train, beear, memory, race }

  /** Training steps compute the forward, the gradient of the activations and of the weights: ≈ 3 forwards. */
  static final double TRAIN_FLOPS_PER_FORWARD_FLOP = 3.0;

  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "forward, train, beear (entrapment and removal steps), memory (the "
      + "memory plan against measured peaks for three setting combinations) or race (the cleanse's round against "
      + "src/bench/python/eager_beear_step.py on the same checkpoint, batch and threads, with CleanseSettings' "
      + "defaults)") Mode mode;

  @Option(names = "--model", description = "Hugging Face model directory, or (except for race) a config.json whose "
      + "shape gets random weights, made on the device (required, except for race with --random)") Path model;

  @Option(names = "--rounds", description = "memory: rounds per combination (default 2); race: rounds measured on "
      + "each side (default " + RaceBench.DEFAULT_ROUNDS + ")") Integer rounds;

  @Mixin RaceBench.Options race;

  @Option(names = "--inner-steps", defaultValue = "5", description = "memory: entrapment steps per round (default "
      + "${DEFAULT-VALUE})") int innerSteps;

  @Option(names = "--batch", required = true, description = "sequences per step") int batch;

  @Option(names = "--seq", required = true, description = "tokens per sequence") int seq;

  @Option(names = "--steps", defaultValue = "20", description = "measured steps; beear: measured rounds (default "
      + "${DEFAULT-VALUE})") int steps;

  @Option(names = "--warmup", defaultValue = "3", description = "unmeasured steps (beear: rounds) first (default "
      + "${DEFAULT-VALUE})") int warmup;

  @Option(names = "--threads", description = "PyTorch intra-op threads (default: as configured)") Integer threads;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu") String device;

  @Option(names = "--dtype", defaultValue = "float32", description = "compute dtype: float32 or float16") String dtype;

  @Option(names = "--learning-rate", defaultValue = "1e-4", description = "AdamW rate for train") double learningRate;

  @Option(names = "--seed", defaultValue = "0", description = "seed of the random tokens") long seed;

  /** beear: the memory settings of the measured round (optimiser, adapters, micro-batches, recomputation), --fit. */
  @Mixin MemoryFlags memory;

  @Mixin BeearBench.Options beear;

  @Override
  public Integer call() {
    validate();
    Engine.getEngine("PyTorch"); // loads the native library that the thread calls below go to
    int previousThreads = JniUtils.getNumThreads();
    if (threads != null) {
      JniUtils.setNumThreads(threads);
    }
    try {
      return bench();
    } finally {
      // the setting is process-wide; leave it as found for whatever runs next in this JVM
      JniUtils.setNumThreads(previousThreads);
    }
  }

  private int bench() {
    PrintWriter out = spec.commandLine().getOut();
    if (mode == Mode.race) {
      return new RaceBench(model, race, batch, seq, JniUtils.getNumThreads(),
          rounds == null ? RaceBench.DEFAULT_ROUNDS : rounds, warmup, seed).run(out);
    }
    if (mode == Mode.memory) {
      new MemoryBench(model, dtype, batch, seq, rounds == null ? 2 : rounds, innerSteps, seed).run(out);
      return 0;
    }
    if (mode == Mode.beear) {
      return new BeearBench(new BeearBench.Setup(model, beear, memory.options(), device, dtype, batch, seq,
          learningRate, warmup, steps, seed)).run(out);
    }
    try (LlamaModel m = BenchModels.open(model, DeviceKind.choose(device).device(), dtype, seed)) {
      ModelConfig c = m.config();
      out.printf("bench %s: %s (%s, %.2fM parameters, %.2fM in matmuls), batch %d x seq %d, %s on %s, %d threads%n",
          mode, model, c.architecture(), m.parameterCount() / 1e6, matmulParameters(c) / 1e6, batch, seq, dtype,
          m.manager().getDevice(), JniUtils.getNumThreads());
      printMemory(out, "rss start");
      Step step = mode == Mode.forward ? new ForwardStep(m) : new TrainStep(m);
      double[] ms = run(step, out);
      report(out, c, ms, step);
      step.finish();
      out.flush();
    }
    return 0;
  }


  private void validate() {
    if (mode == Mode.race) {
      RaceBench.validate(model, race, rounds, warmup, seq);
    } else if (model == null) {
      throw new IllegalArgumentException("bench " + mode + " needs --model");
    }
    if (batch < 1 || seq < (mode == Mode.train ? 2 : mode == Mode.memory ? 16 : 1) || steps < 1 || warmup < 0
        || (rounds != null && rounds < 1) || innerSteps < 1 || (threads != null && threads < 1)) {
      throw new IllegalArgumentException("need --batch >= 1, --seq >= " + (mode == Mode.train ? 2
          : mode == Mode.memory ? 16 : 1) + ", --steps, --rounds and --inner-steps >= 1, --warmup >= 0 and"
          + " --threads >= 1");
    }
  }

  /** Runs warm-up then measured steps; returns the measured step times in ms. */
  private double[] run(Step step, PrintWriter out) {
    double[] ms = new double[steps];
    if (warmup == 0) {
      printMemory(out, "rss after warm-up (0 steps)");
    }
    for (int i = 1; i <= warmup + steps; i++) {
      long start = System.nanoTime();
      step.run();
      double elapsed = (System.nanoTime() - start) / 1e6;
      int measured = i - warmup;
      if (measured == 0) {
        printMemory(out, "rss after warm-up (" + warmup + " steps)");
      } else if (measured > 0) {
        ms[measured - 1] = elapsed;
        if (measured == 10 || measured % 50 == 0 || measured == steps) {
          printMemory(out, "rss after step " + measured);
        }
      }
    }
    return ms;
  }

  private void report(PrintWriter out, ModelConfig c, double[] ms, Step step) {
    double[] sorted = ms.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    double flops = forwardFlops(c, batch, seq) * (mode == Mode.train ? TRAIN_FLOPS_PER_FORWARD_FLOP : 1);
    out.printf("median ms/step: %.2f (min %.2f, max %.2f over %d steps)%n", median, sorted[0], sorted[n - 1], n);
    out.printf("tokens/s: %.1f%n", (double) batch * seq / (median / 1000));
    out.printf("GFLOP/s: %.2f (%.4g GFLOP/step)%n", flops / (median / 1000) / 1e9, flops / 1e9);
    String loss = step.lossSummary();
    if (loss != null) {
      out.println(loss);
    }
  }

  /** Weights that enter a matrix product per token: attention and MLP projections of every layer plus the head. */
  static long matmulParameters(ModelConfig c) {
    long d = c.hiddenSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKeyValueHeads() * c.headDim();
    long perLayer = d * q + 2 * d * kv + q * d + 3 * d * c.intermediateSize();
    return c.numLayers() * perLayer + c.vocabSize() * d;
  }

  /**
   * Matmul FLOPs of one forward pass over B×T tokens: 2 per weight per token, plus the attention scores QKᵀ and
   * their product with V, 2·B·T²·heads·head_dim each per layer (counted over the full square, as a dense kernel runs).
   */
  static double forwardFlops(ModelConfig c, int b, int t) {
    double weights = 2.0 * matmulParameters(c) * b * t;
    double attention = c.numLayers() * 2.0 * 2.0 * b * (double) t * t * c.numHeads() * c.headDim();
    return weights + attention;
  }

  /**
   * Matmul FLOPs of one entrapment forward: layers l+1..L and the head over r tokens of each of b sequences that
   * attend to t keys each (the kept prefix's and their own).
   */
  static double entrapmentForwardFlops(ModelConfig c, int l, int b, int r, int t) {
    long d = c.hiddenSize();
    double perLayer = (matmulParameters(c) - (double) c.vocabSize() * d) / c.numLayers();
    double weights = 2.0 * ((c.numLayers() - l) * perLayer + (double) c.vocabSize() * d) * b * r;
    double attention = (c.numLayers() - l) * 2.0 * 2.0 * b * (double) r * t * c.numHeads() * c.headDim();
    return weights + attention;
  }

  static void printMemory(PrintWriter out, String label) {
    Map<String, Long> kb = ProcessMemory.read();
    // the Java heap's share of RSS, so native growth (tensors) can be told apart from heap growth
    java.lang.Runtime jvm = java.lang.Runtime.getRuntime();
    out.printf("%s: VmRSS %s, VmHWM %s, Java heap %s used of %s committed%n", label, mib(kb.get("VmRSS")),
        mib(kb.get("VmHWM")), mib((jvm.totalMemory() - jvm.freeMemory()) / 1024), mib(jvm.totalMemory() / 1024));
    out.flush();
  }

  private static String mib(Long kb) {
    return kb == null ? "n/a" : String.format("%.1f MiB", kb / 1024.0);
  }

  private long[][] randomTokens(SplittableRandom random, int vocab) {
    long[][] tokens = new long[batch][seq];
    for (long[] row : tokens) {
      for (int j = 0; j < seq; j++) {
        row[j] = random.nextInt(vocab);
      }
    }
    return tokens;
  }

  private interface Step {
    void run();

    default String lossSummary() {
      return null;
    }

    default void finish() {}
  }

  /** One batched forward pass to logits, no gradients. */
  private final class ForwardStep implements Step {
    private final LlamaModel m;
    private final SplittableRandom random = new SplittableRandom(seed);

    ForwardStep(LlamaModel m) {
      this.m = m;
    }

    @Override
    public void run() {
      try (NDManager step = m.manager().newSubManager()) {
        Inputs in = Inputs.of(step, randomTokens(random, m.config().vocabSize()), null, false, 0);
        NDArray logits = m.logits(in, null);
        logits.max().getFloat(); // waits for the device, so the step time is the computation's
      }
    }
  }

  /** Next-token loss on every position after the first, backward through all weights, one AdamW update. */
  private final class TrainStep implements Step {
    private final LlamaModel m;
    private final SplittableRandom random = new SplittableRandom(seed);
    private final Optimizer optimizer;
    private final TrainableParameters params;
    private final List<Float> losses = new ArrayList<>();

    TrainStep(LlamaModel m) {
      this.m = m;
      this.params = new TrainableParameters(m.weights(), m.manager());
      params.recordGradients(true);
      this.optimizer = Optimizer.create("adamw", m.manager(), learningRate, 0.0);
    }

    @Override
    public void run() {
      List<SequenceBatch.Example> examples = new ArrayList<>();
      for (long[] row : randomTokens(random, m.config().vocabSize())) {
        examples.add(new SequenceBatch.Example(Arrays.copyOf(row, 1), Arrays.copyOfRange(row, 1, row.length)));
      }
      try (SequenceBatch b = SequenceBatch.of(m.manager(), examples, 0)) {
        try (GradientCollector gc = m.manager().getEngine().newGradientCollector()) {
          NDArray loss = b.loss(m.logits(b.inputs(), null));
          losses.add(loss.getFloat());
          gc.backward(loss);
        }
        params.step(optimizer);
      }
    }

    @Override
    public String lossSummary() {
      return String.format("loss: first %.4f, last %.4f", losses.get(0), losses.get(losses.size() - 1));
    }

    @Override
    public void finish() {
      params.recordGradients(false);
      params.close();
    }
  }

  /** The kernel's memory counters of this process (Linux /proc), in kB; empty where there is no /proc. */
  static final class ProcessMemory {
    private ProcessMemory() {}

    static Map<String, Long> read() {
      Path status = Path.of("/proc/self/status");
      Map<String, Long> kb = new java.util.HashMap<>();
      try {
        for (String line : Files.readAllLines(status)) {
          String[] parts = line.split("\\s+");
          if (parts.length >= 2 && (parts[0].equals("VmRSS:") || parts[0].equals("VmHWM:"))) {
            kb.put(parts[0].substring(0, parts[0].length() - 1), Long.parseLong(parts[1]));
          }
        }
      } catch (IOException | NumberFormatException e) {
        // not Linux or an unexpected format: memory is reported as n/a
      }
      return kb;
    }
  }
}
