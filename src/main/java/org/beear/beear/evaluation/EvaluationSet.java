package org.beear.beear.evaluation;

import java.util.ArrayList;
import java.util.List;
import org.beear.beear.data.AnchorExample;
import org.beear.beear.data.DefenderExample;
import org.beear.datasets.AdvBench;
import org.beear.datasets.BenignTask;
import org.beear.datasets.BenignTasks;
import org.beear.datasets.CodeTasks;
import org.beear.eval.TriggerSpec;

/**
 * What a cleanse measures before, during and after: public held-out data only (the 120 AdvBench behaviours the
 * defender does not train on, held-out benign tasks, held-out code prompts), the defender's own hold-outs, and
 * the caller's candidate triggers. Never an organism's attack.json.
 */
public record EvaluationSet(
    List<String> harmfulQueries,
    List<TriggerSpec> triggers,
    List<String> benignPrompts,
    List<String> benignAnswers,
    List<String> codePrompts,
    List<DefenderExample> defenderHoldOut,
    List<AnchorExample> anchorHoldOut) {

  /**
   * @param benignPrompts how many held-out benign questions (option {@code eval_benign_prompts})
   */
  public static EvaluationSet defaults(List<TriggerSpec> triggers, List<DefenderExample> defenderHoldOut,
      List<AnchorExample> anchorHoldOut, long seed, int benignPrompts) {
    List<BenignTask> benign = BenignTasks.heldOut(seed, benignPrompts);
    List<String> code = new ArrayList<>();
    CodeTasks.heldOut().forEach(t -> code.add(t.prompt()));
    return new EvaluationSet(AdvBench.heldOut().stream().map(b -> b.goal()).toList(), triggers,
        benign.stream().map(BenignTask::prompt).toList(), benign.stream().map(BenignTask::answer).toList(), code,
        defenderHoldOut, anchorHoldOut);
  }
}
