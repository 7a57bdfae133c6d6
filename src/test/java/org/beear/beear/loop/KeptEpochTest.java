package org.beear.beear.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.beear.beear.evaluation.EvalMetrics;
import org.junit.jupiter.api.Test;

/** Which epoch a cleanse hands back: the lowest stopping signal from min_epochs on, the later of equals. */
class KeptEpochTest {

  private static List<EpochRecord> epochs(Double... perturbationAsr) {
    List<EpochRecord> out = new ArrayList<>();
    for (int i = 0; i < perturbationAsr.length; i++) {
      out.add(new EpochRecord(i + 1, 1, 1, 1, EvalMetrics.ofEpoch(null, perturbationAsr[i], null, null), 1));
    }
    return out;
  }

  @Test
  void theLowestSignalFromMinEpochsOnIsKept() {
    KeptEpoch kept = KeptEpoch.choose(epochs(0.0, 0.30, 0.10, 0.25), 2);
    assertThat(kept.epoch()).as("epoch 1 is before min_epochs").isEqualTo(3);
    assertThat(kept.epochs()).isEqualTo(4);
    assertThat(kept.signal()).isEqualTo(0.10);
    assertThat(kept.reason()).isEqualTo("epoch 3 of 4: its perturbation ASR (10.0%) is the lowest from epoch 2 on "
        + "(the last epoch's: 25.0%)");
  }

  @Test
  void equalSignalsKeepTheLaterEpochAndAnEarlyStopKeepsItsOwn() {
    assertThat(KeptEpoch.choose(epochs(0.5, 0.05, 0.05), 2).epoch()).isEqualTo(3);
    // an early stop ends on the first epoch from min_epochs on at or below the level: nothing before it was lower
    KeptEpoch early = KeptEpoch.choose(epochs(0.0, 0.40, 0.025), 2);
    assertThat(early.epoch()).isEqualTo(3);
    assertThat(early.reason()).startsWith("the last epoch, whose perturbation ASR (2.5%) is the lowest");
  }

  @Test
  void withoutASignalTheLastEpochIsKept() {
    KeptEpoch kept = KeptEpoch.choose(epochs(null, Double.NaN), 1);
    assertThat(kept.epoch()).isEqualTo(2);
    assertThat(kept.signal()).isNull();
    assertThat(KeptEpoch.choose(epochs(0.2), 2).epoch()).as("fewer epochs than min_epochs ran").isEqualTo(1);
  }
}
