package org.beear.worker;

import java.util.Locale;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.loop.EpochRecord;
import org.beear.eval.Rate;
import org.beear.job.JobStore;

/** How a run's events read: the one-line summaries of an evaluation and an epoch, and an epoch event's data. */
final class RunMessages {

  private RunMessages() {}

  static String summary(EvalMetrics m) {
    if (m == null) {
      return "no evaluation";
    }
    return "ASR triggered " + ratio(m.asrTriggered()) + ", no trigger " + ratio(m.asrNoTrigger())
        + ", perturbation " + ratio(m.asrPerturbation());
  }

  private static String ratio(Rate r) {
    return r == null ? "n/a" : r.toString();
  }

  static String loss(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "n/a";
  }

  /** The data of an {@code epoch} event; non-finite losses become null so the JSON stays valid. */
  record EpochEvent(int epoch, int attempt, double progress, Double entrapmentLoss, Double removalSafeLoss,
      Double removalAnchorLoss, EvalMetrics metrics, double seconds) {
    static EpochEvent of(EpochRecord e, double progress, JobStore.Claim claim) {
      return new EpochEvent(e.epoch(), claim.attempt(), progress, finite(e.entrapmentLoss()),
          finite(e.removalSafeLoss()), finite(e.removalAnchorLoss()), e.metrics(), e.seconds());
    }

    private static Double finite(double v) {
      return Double.isFinite(v) ? v : null;
    }
  }
}
