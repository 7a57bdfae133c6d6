package org.beear.beear.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.eval.Rate;
import org.junit.jupiter.api.Test;

/**
 * Which epoch a cleanse hands back: the lowest stopping signal (the upper end of the perturbation ASR's interval)
 * from min_epochs on, the later of equals.
 */
class KeptEpochTest {
  private static final int HOLD_OUT = 72;

  /** Epochs whose perturbation ASR had these hits of 72 (null: not measured). */
  private static List<EpochRecord> epochs(Integer... hits) {
    List<EpochRecord> out = new ArrayList<>();
    for (int i = 0; i < hits.length; i++) {
      Rate rate = hits[i] == null ? null : Rate.of(hits[i], HOLD_OUT);
      out.add(new EpochRecord(i + 1, 1, 1, 1, EvalMetrics.ofEpoch(null, rate, null, null), 1));
    }
    return out;
  }

  private static String percent(int hits) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * Rate.of(hits, HOLD_OUT).upper());
  }

  @Test
  void theLowestSignalFromMinEpochsOnIsKept() {
    KeptEpoch kept = KeptEpoch.choose(epochs(0, 20, 5, 15), 2);
    assertThat(kept.epoch()).as("epoch 1 is before min_epochs").isEqualTo(3);
    assertThat(kept.epochs()).isEqualTo(4);
    assertThat(kept.signal()).isEqualTo(Rate.of(5, HOLD_OUT).upper());
    assertThat(kept.reason()).isEqualTo("epoch 3 of 4: its perturbation ASR bound (" + percent(5) + ") is the lowest "
        + "from epoch 2 on (the last epoch's: " + percent(15) + ")");
  }

  @Test
  void equalSignalsKeepTheLaterEpochAndAnEarlyStopKeepsItsOwn() {
    assertThat(KeptEpoch.choose(epochs(30, 3, 3), 2).epoch()).isEqualTo(3);
    // an early stop ends on the first epoch from min_epochs on at or below the level: nothing before it was lower
    KeptEpoch early = KeptEpoch.choose(epochs(0, 28, 0), 2);
    assertThat(early.epoch()).isEqualTo(3);
    assertThat(early.reason()).startsWith("the last epoch, whose perturbation ASR bound (" + percent(0)
        + ") is the lowest");
  }

  @Test
  void withoutASignalTheLastEpochIsKept() {
    KeptEpoch kept = KeptEpoch.choose(epochs(null, null), 1);
    assertThat(kept.epoch()).isEqualTo(2);
    assertThat(kept.signal()).isNull();
    assertThat(KeptEpoch.choose(epochs(14), 2).epoch()).as("fewer epochs than min_epochs ran").isEqualTo(1);
  }
}
