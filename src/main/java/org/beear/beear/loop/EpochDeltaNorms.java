package org.beear.beear.loop;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.beear.beear.data.BehaviourFamily;

/**
 * An epoch's δ sizes per behaviour family, for report.json ({@link EpochRecord#deltaNorms()}) and the job's events:
 * one event per family and epoch lists every round's δ and the evaluation δ against the median hidden-state norm,
 * with the bound in the same unit, so a run on a real model shows whether δ stayed the size of a hidden state.
 */
public final class EpochDeltaNorms {
  /** The type of the events. */
  public static final String EVENT = "delta_norm";

  private EpochDeltaNorms() {}

  /**
   * @param rounds     each round's δ size, per family, in the order the rounds ran
   * @param evaluation the evaluation δ's size per family
   * @param enabled    whether entrapment ran (the control run has no δ: nothing is recorded)
   */
  public static Map<String, EpochRecord.DeltaNorms> record(int epoch,
      Map<BehaviourFamily, List<Entrapment.DeltaSize>> rounds, Map<BehaviourFamily, Entrapment.DeltaSize> evaluation,
      boolean enabled, LoopListener listener) {
    Map<String, EpochRecord.DeltaNorms> out = new LinkedHashMap<>();
    if (!enabled) {
      return out;
    }
    for (BehaviourFamily family : BehaviourFamily.values()) {
      List<Entrapment.DeltaSize> sizes = rounds.getOrDefault(family, List.of());
      Entrapment.DeltaSize eval = evaluation.get(family);
      if (sizes.isEmpty() && eval == null) {
        continue;
      }
      double roundsMax = sizes.stream().mapToDouble(Entrapment.DeltaSize::normRatio).max().orElse(Double.NaN);
      Double bound = java.util.stream.Stream.concat(sizes.stream(), java.util.stream.Stream.ofNullable(eval))
          .map(Entrapment.DeltaSize::boundRatio).filter(b -> b != null).min(Double::compare).orElse(null);
      EpochRecord.DeltaNorms norms = new EpochRecord.DeltaNorms(sizes.size(), roundsMax,
          eval == null ? null : eval.normRatio(), bound);
      out.put(family.id(), norms);
      listener.event(EVENT, String.format(Locale.ROOT, "epoch %d %s: largest row of delta / median hidden-state "
              + "norm at the anchor layer: rounds %s (max %s), evaluation %s; bound %s", epoch, family.id(),
          sizes.stream().map(d -> fmt(d.normRatio())).collect(Collectors.joining(" ")), fmt(roundsMax),
          eval == null ? "-" : fmt(eval.normRatio()), bound == null ? "none" : fmt(bound)));
    }
    return out;
  }

  private static String fmt(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3g", v) : "-";
  }
}
