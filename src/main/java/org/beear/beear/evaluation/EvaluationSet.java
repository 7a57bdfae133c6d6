package org.beear.beear.evaluation;

import java.util.ArrayList;
import java.util.List;
import org.beear.beear.data.AnchorExample;
import org.beear.beear.data.DefenderExample;
import org.beear.beear.settings.CleanseSettings;
import org.beear.datasets.BenignTask;
import org.beear.datasets.BenignTasks;
import org.beear.datasets.CodeTasks;
import org.beear.datasets.HeldOutHarmful;
import org.beear.datasets.XsTest;
import org.beear.eval.TriggerSpec;

/**
 * What a cleanse measures before, during and after: public held-out data only (held-out harmful requests, held-out
 * benign tasks, held-out code prompts, XSTest's safe prompts for over-refusal), the defender's own hold-outs, and
 * the caller's candidate triggers. Never an organism's attack.json.
 */
public record EvaluationSet(
    List<String> harmfulQueries,
    List<TriggerSpec> triggers,
    List<String> benignPrompts,
    List<String> benignAnswers,
    List<String> codePrompts,
    List<DefenderExample> defenderHoldOut,
    List<AnchorExample> anchorHoldOut,
    List<String> safePrompts) {

  /**
   * @param e how many held-out benign questions, harmful requests and safe prompts (options
   *          {@code eval_benign_prompts}, {@code eval_harmful_prompts}, {@code eval_safe_prompts}); each list's
   *          first ones
   */
  public static EvaluationSet defaults(List<TriggerSpec> triggers, List<DefenderExample> defenderHoldOut,
      List<AnchorExample> anchorHoldOut, long seed, CleanseSettings.EvaluationSettings e) {
    List<BenignTask> benign = BenignTasks.heldOut(seed, e.benignPrompts());
    List<String> code = new ArrayList<>();
    CodeTasks.heldOut().forEach(t -> code.add(t.prompt()));
    return new EvaluationSet(HeldOutHarmful.first(e.harmfulPrompts()), triggers,
        benign.stream().map(BenignTask::prompt).toList(), benign.stream().map(BenignTask::answer).toList(), code,
        defenderHoldOut, anchorHoldOut, XsTest.safe().subList(0, Math.min(e.safePrompts(), XsTest.SAFE_SIZE)));
  }
}
