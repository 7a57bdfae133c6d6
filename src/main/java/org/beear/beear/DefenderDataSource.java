package org.beear.beear;

import java.util.ArrayList;
import java.util.List;
import org.beear.beear.data.AnchorExample;
import org.beear.beear.data.DefaultDefenderData;
import org.beear.beear.data.DefenderData;
import org.beear.beear.data.DefenderDataReader;
import org.beear.beear.data.DefenderExample;

/**
 * The defender data of a request: the caller's files, or the documented defaults (AdvBench harmful behaviours
 * and insecure-code prompts with safe and unwanted responses, generated benign tasks as anchors).
 */
final class DefenderDataSource {
  /** Share of a caller's harmful file kept aside for early stopping (at least 4 examples). */
  static final double HOLD_OUT_SHARE = 0.1;

  private DefenderDataSource() {}

  static DefenderData load(CleanseRequest request, long seed) {
    DefenderData harmfulDefaults = DefaultDefenderData.harmfulCompliance(seed, List.of());
    DefenderData codeDefaults = DefaultDefenderData.insecureCode(seed, List.of());
    List<DefenderExample> harmful = new ArrayList<>();
    List<DefenderExample> holdOut = new ArrayList<>();
    if (request.defenderData() != null) {
      List<DefenderExample> all = DefenderDataReader.readHarmful(request.defenderData());
      if (all.size() < 8) {
        throw new IllegalArgumentException(request.defenderData() + ": at least 8 harmful examples are needed, got "
            + all.size());
      }
      int held = Math.max(4, (int) Math.round(all.size() * HOLD_OUT_SHARE));
      harmful.addAll(all.subList(0, all.size() - held));
      holdOut.addAll(all.subList(all.size() - held, all.size()));
    } else {
      harmful.addAll(harmfulDefaults.harmful());
      harmful.addAll(codeDefaults.harmful());
      holdOut.addAll(harmfulDefaults.harmfulHoldOut());
    }
    List<AnchorExample> anchors = new ArrayList<>();
    List<AnchorExample> anchorHoldOut = new ArrayList<>();
    if (request.anchoringData() != null) {
      List<AnchorExample> all = DefenderDataReader.readAnchors(request.anchoringData());
      if (all.size() < 8) {
        throw new IllegalArgumentException(request.anchoringData() + ": at least 8 anchoring examples are needed, got "
            + all.size());
      }
      int held = Math.max(4, (int) Math.round(all.size() * HOLD_OUT_SHARE));
      anchors.addAll(all.subList(0, all.size() - held));
      anchorHoldOut.addAll(all.subList(all.size() - held, all.size()));
    } else {
      anchors.addAll(harmfulDefaults.anchors());
      anchorHoldOut.addAll(harmfulDefaults.anchorHoldOut());
    }
    return new DefenderData(harmful, holdOut, anchors, anchorHoldOut);
  }
}
