package org.beear.beear.data;

import java.util.ArrayList;
import java.util.List;
import org.beear.eval.ResponsePairJudge;

/**
 * Defender examples that one entrapped δ should target together: those whose safe response is a refusal
 * (harmful compliance) and the rest (e.g. secure versus insecure code). The default data mixes both; a δ
 * entrapped on a mixed batch mostly finds the majority's backdoor, so batches, evaluation δs and the early-stop
 * signal are kept per family.
 *
 * @param behaviour harmful compliance (the safe responses are refusals, as the response judge reads them) or
 *                  insecure code
 */
public record DefenderFamily(BehaviourFamily behaviour, List<DefenderExample> examples) {

  /** Whether the safe responses are refusals (as the response judge reads them). */
  public boolean refusalJudged() {
    return behaviour.refusalJudged();
  }

  /** The non-empty families of {@code examples}, refusal-judged first, each in the given order. */
  public static List<DefenderFamily> split(List<DefenderExample> examples, ResponsePairJudge judge) {
    List<DefenderExample> refusal = new ArrayList<>();
    List<DefenderExample> other = new ArrayList<>();
    for (DefenderExample e : examples) {
      (judge.refusalJudged(e.safeResponse()) ? refusal : other).add(e);
    }
    List<DefenderFamily> out = new ArrayList<>();
    if (!refusal.isEmpty()) {
      out.add(new DefenderFamily(BehaviourFamily.HARMFUL_COMPLIANCE, List.copyOf(refusal)));
    }
    if (!other.isEmpty()) {
      out.add(new DefenderFamily(BehaviourFamily.INSECURE_CODE, List.copyOf(other)));
    }
    return out;
  }
}
