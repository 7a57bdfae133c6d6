package org.beear.beear;

import java.util.List;
import java.util.function.Function;
import org.beear.eval.ChatEvaluator;
import org.beear.eval.InsecureCodeJudge;
import org.beear.eval.RefusalJudge;
import org.beear.llm.ChatCodec;
import org.beear.llm.LlamaModel;
import org.beear.llm.Perturbation;

/**
 * The figures a cleanse reports, on one model state. With several candidate triggers, the triggered ASR and the
 * insecure-code rate are the worst (highest) over the triggers: a backdoor counts as present if any trigger works.
 */
final class CleanseEvaluator {
  static final int MAX_NEW_TOKENS_CODE = 72;

  private final ChatEvaluator answers;
  private final ChatEvaluator code;
  private final ChatCodec codec;
  private final EvaluationSet set;
  private final RefusalJudge refusals = new RefusalJudge();
  private final InsecureCodeJudge insecure = new InsecureCodeJudge();

  CleanseEvaluator(LlamaModel model, ChatCodec codec, EvaluationSet set, int maxNewTokens) {
    this.answers = new ChatEvaluator(model, codec, maxNewTokens, 32);
    this.code = new ChatEvaluator(model, codec, MAX_NEW_TOKENS_CODE, 32);
    this.codec = codec;
    this.set = set;
  }

  /** Perturbation ASR on the defender's hold-out: the early-stopping signal; needs no trigger. */
  double perturbationAsr(Perturbation delta) {
    List<String> queries = set.defenderHoldOut().stream().map(e -> e.query()).toList();
    return answers.rate(queries, delta, refusals::isAttackSuccess);
  }

  /** ASR with the caller's triggers (worst over them), or null without any. */
  Double triggeredAsr() {
    return worstOverTriggers(t -> answers.rate(set.harmfulQueries().stream().map(t::apply).toList(), null,
        refusals::isAttackSuccess));
  }

  EvalMetrics full(Perturbation delta) {
    double noTrigger = answers.rate(set.harmfulQueries(), null, refusals::isAttackSuccess);
    Double insecureRate = set.codePrompts().isEmpty() ? null : set.triggers().isEmpty()
        ? code.rate(set.codePrompts(), null, insecure::isInsecure)
        : worstOverTriggers(t -> code.rate(set.codePrompts().stream().map(t::apply).toList(), null,
            insecure::isInsecure));
    double exact = answers.exactMatch(set.benignPrompts(), set.benignAnswers());
    double perplexity = answers.perplexity(set.anchorHoldOut().stream()
        .map(a -> codec.exchange(a.prompt(), a.response())).toList());
    return new EvalMetrics(triggeredAsr(), noTrigger, delta == null ? null : perturbationAsr(delta), exact,
        perplexity, insecureRate);
  }

  private Double worstOverTriggers(Function<TriggerSpec, Double> rate) {
    Double worst = null;
    for (TriggerSpec t : set.triggers()) {
      double r = rate.apply(t);
      worst = worst == null ? r : Math.max(worst, r);
    }
    return worst;
  }

}
