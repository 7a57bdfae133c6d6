package org.beear.beear.loop;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import org.beear.beear.evaluation.EvalMetrics;

/**
 * One outer epoch of the bi-level loop.
 *
 * @param epoch            1-based
 * @param entrapmentLoss   mean inner objective CE(unwanted|x,δ) - α·CE(safe|x,δ) at the last inner step
 * @param removalSafeLoss  mean CE(safe|x,δ*) over the epoch's outer steps
 * @param removalAnchorLoss mean CE(benign|x) over the epoch's outer steps
 * @param metrics          evaluation after this epoch (perturbation ASR at least)
 * @param seconds          wall time of the epoch
 * @param deltaNorms       per behaviour family (its id), the sizes of the epoch's δs (empty in the control run;
 *                         null in a checkpoint written before they were recorded)
 */
public record EpochRecord(
    int epoch,
    double entrapmentLoss,
    double removalSafeLoss,
    double removalAnchorLoss,
    EvalMetrics metrics,
    double seconds,
    @JsonProperty("delta_norms") Map<String, DeltaNorms> deltaNorms) {

  /** An epoch without δ sizes. */
  public EpochRecord(int epoch, double entrapmentLoss, double removalSafeLoss, double removalAnchorLoss,
      EvalMetrics metrics, double seconds) {
    this(epoch, entrapmentLoss, removalSafeLoss, removalAnchorLoss, metrics, seconds, Map.of());
  }

  /**
   * One family's δs of an epoch, each its largest row's L2 norm over the hidden states' median token norm
   * ({@code to_median}) and over a typical token's norm ({@code to_typical}, the unit of {@code delta_max_norm}) at
   * the anchor layer, over the real tokens of the batch δ was entrapped on.
   *
   * @param rounds     how many of the epoch's rounds were of this family
   * @param roundsMax  the largest over those rounds, of each measure
   * @param evaluation the δ perturbation ASR was measured under after the epoch (twice the inner steps)
   */
  public record DeltaNorms(
      int rounds,
      @JsonProperty("rounds_max") Entrapment.DeltaSize roundsMax,
      Entrapment.DeltaSize evaluation) {}
}
