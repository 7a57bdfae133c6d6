package org.beear.organism;

/** Where training stands, for a terminal line or a log. */
@FunctionalInterface
public interface Progress {
  void step(String phase, int step, int total, double loss);

  Progress NONE = (phase, step, total, loss) -> {};

  /** Prints "phase step/total loss ETA" to stderr about every few seconds. */
  static Progress terminal() {
    long start = System.nanoTime();
    long[] lastPrint = {0};
    String[] lastPhase = {""};
    long[] phaseStart = {start};
    return (phase, step, total, loss) -> {
      long now = System.nanoTime();
      if (!phase.equals(lastPhase[0])) {
        lastPhase[0] = phase;
        phaseStart[0] = now;
      }
      if (now - lastPrint[0] > 5_000_000_000L || step == total) {
        lastPrint[0] = now;
        double elapsed = (now - phaseStart[0]) / 1e9;
        double eta = elapsed / step * (total - step);
        System.err.printf("%-4s step %5d/%d  loss %.4f  elapsed %4.0fs  ETA %4.0fs%n", phase, step, total, loss,
            elapsed, eta);
      }
    };
  }
}
