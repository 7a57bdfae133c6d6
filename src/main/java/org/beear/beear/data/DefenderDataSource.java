package org.beear.beear.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The defender data of a request: the caller's files, or the documented defaults (AdvBench harmful behaviours
 * and insecure-code prompts with safe and unwanted responses, each with its own hold-out; generated benign
 * tasks and the trained code prompts with their secure answers as anchors).
 */
public final class DefenderDataSource {
  /** Share of a caller's harmful file kept aside for early stopping (at least 4 examples). */
  static final double HOLD_OUT_SHARE = 0.1;

  private DefenderDataSource() {}

  /**
   * @param defenderData  the caller's harmful pairs (JSONL or CSV); null: the defaults
   * @param anchoringData the caller's anchoring pairs; null: the defaults
   */
  public static DefenderData load(Path defenderData, Path anchoringData, long seed) {
    DefenderData harmfulDefaults = DefaultDefenderData.harmfulCompliance(seed, List.of());
    DefenderData codeDefaults = DefaultDefenderData.insecureCode(seed, List.of());
    List<DefenderExample> harmful = new ArrayList<>();
    List<DefenderExample> holdOut = new ArrayList<>();
    if (defenderData != null) {
      splitHoldOut(DefenderDataReader.readHarmful(defenderData), defenderData, "harmful",
          harmful, holdOut);
    } else {
      harmful.addAll(harmfulDefaults.harmful());
      harmful.addAll(codeDefaults.harmful());
      holdOut.addAll(harmfulDefaults.harmfulHoldOut());
      holdOut.addAll(codeDefaults.harmfulHoldOut());
    }
    List<AnchorExample> anchors = new ArrayList<>();
    List<AnchorExample> anchorHoldOut = new ArrayList<>();
    if (anchoringData != null) {
      splitHoldOut(DefenderDataReader.readAnchors(anchoringData), anchoringData, "anchoring",
          anchors, anchorHoldOut);
    } else {
      anchors.addAll(harmfulDefaults.anchors());
      // code requests are benign too: anchoring their secure answers keeps a model whose refusal δ shares a
      // direction with its code trigger from refusing code after removal
      codeDefaults.harmful().forEach(e -> anchors.add(new AnchorExample(e.query(), e.safeResponse())));
      anchorHoldOut.addAll(harmfulDefaults.anchorHoldOut());
    }
    return new DefenderData(harmful, holdOut, anchors, anchorHoldOut);
  }

  /**
   * The default data's code examples (pairs and anchors), taken out: for a model that does not write such code,
   * they would not remove or anchor a behaviour but teach a new one. The caller's own files are kept whole.
   */
  public static DefenderData withoutDefaultCode(Path defenderData, Path anchoringData, DefenderData data) {
    java.util.function.Predicate<String> code = DefaultDefenderData::isDefaultCodeQuery;
    boolean defaultPairs = defenderData == null;
    boolean defaultAnchors = anchoringData == null;
    return new DefenderData(
        data.harmful().stream().filter(e -> !(defaultPairs && code.test(e.query()))).toList(),
        data.harmfulHoldOut().stream().filter(e -> !(defaultPairs && code.test(e.query()))).toList(),
        data.anchors().stream().filter(a -> !(defaultAnchors && code.test(a.prompt()))).toList(),
        data.anchorHoldOut());
  }

  /** The default code pairs' secure answers, to measure how familiar the model is with them. */
  public static List<DefenderExample> defaultCodeExamples(Path defenderData, DefenderData data) {
    if (defenderData != null) {
      return List.of();
    }
    return data.harmful().stream().filter(e -> DefaultDefenderData.isDefaultCodeQuery(e.query())).toList();
  }

  /** The last {@link #HOLD_OUT_SHARE} of a caller's file (at least 4 rows) is kept aside, the rest trains. */
  private static <T> void splitHoldOut(List<T> all, Path file, String kind, List<T> train,
      List<T> heldOut) {
    if (all.size() < 8) {
      throw new IllegalArgumentException(file.getFileName() + ": at least 8 " + kind + " examples are needed, got "
          + all.size());
    }
    int held = Math.max(4, (int) Math.round(all.size() * HOLD_OUT_SHARE));
    train.addAll(all.subList(0, all.size() - held));
    heldOut.addAll(all.subList(all.size() - held, all.size()));
  }
}
