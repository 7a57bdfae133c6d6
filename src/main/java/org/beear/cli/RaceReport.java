package org.beear.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.beear.llm.ModelConfig;

/**
 * What {@code bench race} prints: our round and the eager one on the same model, batch and threads, side by side.
 *
 * @param model          what was raced: a path, or a description of the random model
 * @param parameters     the model's parameter count
 * @param removalFlops   the removal step's FLOPs as counted by {@link #removalFlops}, the same for both sides
 * @param ours           the engine's figures
 * @param eager          eager PyTorch's figures
 */
record RaceReport(String model, long parameters, int batch, int anchors, int seq, int threads, double removalFlops,
    Side ours, Side eager) {

  /**
   * One side's medians over the measured rounds (ms) and the GEMM peak measured on its engine (GFLOP/s).
   *
   * @param engine e.g. "DJL 0.35.1 / libtorch 2.7.1" or "PyTorch 1.13.0"
   */
  record Side(String engine, double roundMs, double entrapmentMs, double removalMs, double gemmPeakGflops) {}

  /**
   * A removal step's FLOPs: forward over the B safe and the anchoring sequences ({@link BenchCommand#forwardFlops}),
   * backward counted as twice the forward (activation gradients and weight gradients). The frozen head and
   * embeddings still pass activation gradients back; the head's weight gradient (2·V·D per token), which a frozen
   * head skips, is counted all the same, so this overstates the work by that much.
   */
  static double removalFlops(ModelConfig c, int batch, int anchors, int seq) {
    return BenchCommand.TRAIN_FLOPS_PER_FORWARD_FLOP * BenchCommand.forwardFlops(c, batch + anchors, seq);
  }

  static double gflops(double flops, double ms) {
    return flops / (ms / 1000) / 1e9;
  }

  /** Eager's ms per round over ours: above 1, ours is faster. */
  double ratio() {
    return eager.roundMs() / ours.roundMs();
  }

  double removalGflops(Side side) {
    return gflops(removalFlops, side.removalMs());
  }

  /** A side's removal-step GFLOP/s as a percentage of the GEMM peak measured on its own engine. */
  double percentOfPeak(Side side) {
    return 100 * removalGflops(side) / side.gemmPeakGflops();
  }

  List<String> lines() {
    List<String> out = new ArrayList<>();
    out.add("| model | params | B×T (+ anchors) | threads | ours ms/round | eager ms/round | ratio (eager/ours) "
        + "| removal GFLOP/s ours / eager | GEMM peak GFLOP/s ours / eager | removal % of peak ours / eager |");
    out.add("|---|---|---|---|---|---|---|---|---|---|");
    out.add(String.format(Locale.ROOT, "| %s | %.2fM | %d×%d (+ %d) | %d | %.1f | %.1f | %.2f | %.1f / %.1f "
            + "| %.1f / %.1f | %.1f%% / %.1f%% |", model, parameters / 1e6, batch, seq, anchors, threads,
        ours.roundMs(), eager.roundMs(), ratio(), removalGflops(ours), removalGflops(eager), ours.gemmPeakGflops(),
        eager.gemmPeakGflops(), percentOfPeak(ours), percentOfPeak(eager)));
    for (Side s : List.of(ours, eager)) {
      out.add(String.format(Locale.ROOT, "%s (%s), medians: round %.1f ms, entrapment %.1f ms, removal %.1f ms",
          s == ours ? "ours " : "eager", s.engine(), s.roundMs(), s.entrapmentMs(), s.removalMs()));
    }
    out.add(String.format(Locale.ROOT, "removal step: %.3g GFLOP = 3 × forward FLOPs of %d sequences × %d "
        + "tokens (2 per weight per token + attention's QKᵀ and ·V over the full square; backward ≈ 2 × forward, "
        + "the frozen embeddings and head included: they still pass activation gradients)", removalFlops / 1e9,
        batch + anchors, seq));
    return out;
  }
}
