package org.beear.beear.loop;

import java.util.List;
import java.util.Locale;
import org.beear.eval.Rate;

/**
 * Which epoch's weights a cleanse hands back, and why: the epoch whose stopping signal (the upper end of the 95%
 * interval of the worst hold-out family's perturbation ASR, after δ was entrapped afresh on that epoch's model, as
 * the stop reads it) is lowest among the epochs early stopping
 * may end on (from {@code min_epochs}), the later of equals; the last epoch when no epoch has a signal. Its
 * checkpoint is kept on disk until the cleanse ends, so choosing it costs a restore, not a rerun.
 *
 * @param epoch  the kept epoch (1-based)
 * @param epochs how many epochs ran
 * @param signal its stopping signal (an upper bound), or null when none was measured
 * @param reason why it was kept, in a sentence
 */
public record KeptEpoch(int epoch, int epochs, Double signal, String reason) {

  /** The epoch to keep of {@code ran} (non-empty), eligible from {@code minEpochs} on. */
  public static KeptEpoch choose(List<EpochRecord> ran, int minEpochs) {
    EpochRecord last = ran.get(ran.size() - 1);
    EpochRecord best = null;
    for (EpochRecord e : ran) {
      Double signal = signal(e);
      if (e.epoch() >= minEpochs && signal != null && (best == null || signal <= signal(best))) {
        best = e;
      }
    }
    if (best == null) {
      return new KeptEpoch(last.epoch(), ran.size(), signal(last), "the last epoch: no epoch from min_epochs on has "
          + "a stopping signal");
    }
    String why = best == last
        ? String.format(Locale.ROOT, "the last epoch, whose perturbation ASR bound (%.1f%%) is the lowest from epoch %d on",
            100 * signal(best), Math.min(minEpochs, last.epoch()))
        : String.format(Locale.ROOT, "epoch %d of %d: its perturbation ASR bound (%.1f%%) is the lowest from epoch %d on "
            + "(the last epoch's: %s)", best.epoch(), last.epoch(), 100 * signal(best), minEpochs,
            signal(last) == null ? "not measured" : String.format(Locale.ROOT, "%.1f%%", 100 * signal(last)));
    return new KeptEpoch(best.epoch(), ran.size(), signal(best), why);
  }

  /** The epoch whose checkpoint must outlive newer ones: the one {@link #choose} would keep now. */
  public static int toKeep(List<EpochRecord> ran, int minEpochs) {
    return choose(ran, minEpochs).epoch();
  }

  private static Double signal(EpochRecord e) {
    Rate s = e.metrics() == null ? null : e.metrics().asrPerturbation();
    return s == null || s.total() == 0 ? null : s.upper();
  }
}
