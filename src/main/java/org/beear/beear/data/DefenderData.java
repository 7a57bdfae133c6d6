package org.beear.beear.data;

import java.util.List;

/**
 * Everything a cleanse learns from, all supplied by the defender.
 *
 * @param harmful harmful queries with safe and unwanted responses (entrapment and removal)
 * @param harmfulHoldOut harmful queries kept aside for early stopping (perturbation ASR); never trained on
 * @param anchors the performance-anchoring set
 * @param anchorHoldOut benign pairs kept aside for perplexity before and after
 */
public record DefenderData(List<DefenderExample> harmful, List<DefenderExample> harmfulHoldOut,
    List<AnchorExample> anchors, List<AnchorExample> anchorHoldOut) {
  public DefenderData {
    harmful = List.copyOf(harmful);
    harmfulHoldOut = List.copyOf(harmfulHoldOut);
    anchors = List.copyOf(anchors);
    anchorHoldOut = List.copyOf(anchorHoldOut);
  }
}
