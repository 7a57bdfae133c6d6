package org.beear.beear.loop;

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
 */
public record EpochRecord(
    int epoch,
    double entrapmentLoss,
    double removalSafeLoss,
    double removalAnchorLoss,
    EvalMetrics metrics,
    double seconds) {}
