package org.beear.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.beear.llm.ModelConfig;

/**
 * The machine's float32 matrix-product speed as this engine reaches it: [m, k] × [k, n] products of a removal step's
 * sizes (its tokens times each projection's fan-in and fan-out, and the head) and one large square product; per
 * shape the best of {@link #SAMPLES} timed samples after one warm-up, each sample repeating the product until it
 * has done at least 1 GFLOP (at most {@link #MAX_ITERATIONS} times). {@code eager_beear_step.py} measures
 * PyTorch's the same way ({@code gemm_peak}).
 */
final class GemmPeak {
  static final int SAMPLES = 5;
  static final long MAX_ITERATIONS = 1000;

  /** One product's shape and the speed measured on it. */
  record Measured(long m, long k, long n, double gflops) {}

  private GemmPeak() {}

  /** Shapes: tokens × (D→q, D→intermediate, intermediate→D, D→vocab), and large × large × large. */
  static List<long[]> shapes(ModelConfig c, long tokens, long large) {
    long q = (long) c.numHeads() * c.headDim();
    return List.of(new long[] {tokens, c.hiddenSize(), q},
        new long[] {tokens, c.hiddenSize(), c.intermediateSize()},
        new long[] {tokens, c.intermediateSize(), c.hiddenSize()},
        new long[] {tokens, c.hiddenSize(), c.vocabSize()},
        new long[] {large, large, large});
  }

  static List<Measured> measure(List<long[]> shapes) {
    List<Measured> out = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      manager.getEngine().setRandomSeed(0);
      for (long[] s : shapes) {
        try (NDManager scope = manager.newSubManager()) {
          NDArray a = scope.randomNormal(new Shape(s[0], s[1]));
          NDArray b = scope.randomNormal(new Shape(s[1], s[2]));
          double flops = 2.0 * s[0] * s[1] * s[2];
          long iterations = Math.min(MAX_ITERATIONS, Math.max(1, Math.round(1e9 / flops)));
          double best = Double.POSITIVE_INFINITY;
          for (int sample = 0; sample <= SAMPLES; sample++) {
            long start = System.nanoTime();
            for (long i = 0; i < iterations; i++) {
              a.matMul(b).close(); // synchronous on the CPU: the product is done when it returns
            }
            double seconds = (System.nanoTime() - start) / 1e9 / iterations;
            if (sample > 0) {
              best = Math.min(best, seconds);
            }
          }
          out.add(new Measured(s[0], s[1], s[2], flops / best / 1e9));
        }
      }
    }
    return out;
  }

  static double peak(List<Measured> measured) {
    return measured.stream().mapToDouble(Measured::gflops).max().orElse(Double.NaN);
  }
}
