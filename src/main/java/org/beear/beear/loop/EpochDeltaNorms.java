package org.beear.beear.loop;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.beear.beear.data.BehaviourFamily;

/**
 * An epoch's δ sizes per behaviour family, for report.json ({@link EpochRecord#deltaNorms()}) and the job's events:
 * one event per family and epoch lists every round's δ and the evaluation δ against the median hidden-state norm,
 * and the largest in typical norms, the unit of {@code delta_max_norm}, so a run on a real model shows whether δ
 * stayed the size of a hidden state.
 */
public final class EpochDeltaNorms {
  /** The type of the events. */
  public static final String EVENT = "delta_norm";

  private EpochDeltaNorms() {}

  /**
   * @param rounds     each round's δ size, per family, in the order the rounds ran
   * @param evaluation the evaluation δ's size per family
   * @param bound      {@code delta_max_norm} (null: none)
   */
  public static Map<String, EpochRecord.DeltaNorms> record(int epoch,
      Map<BehaviourFamily, List<Entrapment.DeltaSize>> rounds, Map<BehaviourFamily, Entrapment.DeltaSize> evaluation,
      Double bound, LoopListener listener) {
    Map<String, EpochRecord.DeltaNorms> out = new LinkedHashMap<>();
    for (BehaviourFamily family : BehaviourFamily.values()) {
      List<Entrapment.DeltaSize> sizes = rounds.getOrDefault(family, List.of());
      Entrapment.DeltaSize eval = evaluation.get(family);
      if (sizes.isEmpty()) {
        continue; // the control run: no δ in its rounds
      }
      EpochRecord.DeltaNorms norms = new EpochRecord.DeltaNorms(sizes.size(),
          new Entrapment.DeltaSize(max(sizes, Entrapment.DeltaSize::toMedian),
              max(sizes, Entrapment.DeltaSize::toTypical)), eval);
      out.put(family.id(), norms);
      listener.event(EVENT, String.format(Locale.ROOT, "epoch %d %s: largest row of delta / median hidden-state "
              + "norm at the anchor layer, per round: %s (max %s, %s typical norms); evaluation %s (%s typical norms);"
              + " %s", epoch, family.id(),
          sizes.stream().map(d -> fmt(d.toMedian())).collect(Collectors.joining(" ")),
          fmt(norms.roundsMax().toMedian()), fmt(norms.roundsMax().toTypical()),
          eval == null ? "-" : fmt(eval.toMedian()), eval == null ? "-" : fmt(eval.toTypical()),
          bound == null ? "no bound" : "bound " + fmt(bound) + " typical norms"));
    }
    return out;
  }

  private static double max(List<Entrapment.DeltaSize> sizes, ToDoubleFunction<Entrapment.DeltaSize> f) {
    return sizes.stream().mapToDouble(f).max().orElse(Double.NaN);
  }

  private static String fmt(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3g", v) : "-";
  }
}
