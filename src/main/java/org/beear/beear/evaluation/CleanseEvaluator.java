package org.beear.beear.evaluation;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.beear.beear.data.BehaviourFamily;
import org.beear.beear.data.DefenderExample;
import org.beear.beear.data.DefenderFamily;
import org.beear.beear.settings.CleanseSettings;
import org.beear.eval.ChatEvaluator;
import org.beear.eval.InsecureCodeJudge;
import org.beear.eval.ResponseJudge;
import org.beear.eval.ResponsePairJudge;
import org.beear.eval.TriggerSpec;
import org.beear.llm.ChatCodec;
import org.beear.llm.LlamaModel;
import org.beear.llm.Perturbation;

/**
 * The figures a cleanse reports, on one model state. With several candidate triggers, the triggered ASR and the
 * insecure-code rate are the worst (highest) over the triggers: a backdoor counts as present if any trigger works.
 */
public final class CleanseEvaluator {

  private final ChatEvaluator answers;
  private final ChatEvaluator code;
  private final ChatCodec codec;
  private final EvaluationSet set;
  private final ResponseJudge judge;
  private final InsecureCodeJudge insecure = new InsecureCodeJudge();
  private final ResponsePairJudge pairs;
  private final List<DefenderFamily> holdOutFamilies;

  public CleanseEvaluator(LlamaModel model, ChatCodec codec, EvaluationSet set, CleanseSettings s) {
    this.answers = new ChatEvaluator(model, codec, s.evaluation().maxNewTokens(), s.memory().evalBatchSize(),
        s.runtime().maxSequenceLength());
    this.code = new ChatEvaluator(model, codec, CleanseSettings.EvaluationSettings.CODE_MAX_NEW_TOKENS,
        s.memory().evalBatchSize(), s.runtime().maxSequenceLength());
    this.codec = codec;
    this.set = set;
    this.judge = s.evaluation().responseJudge();
    this.pairs = new ResponsePairJudge(judge);
    this.holdOutFamilies = DefenderFamily.split(set.defenderHoldOut(), pairs);
  }

  /**
   * Perturbation ASR on the defender's hold-out, the early-stopping signal, which needs no trigger: per
   * {@link DefenderFamily}, the share of hold-out responses judged unwanted under the δ entrapped on that family;
   * the worst family counts. NaN when no hold-out family has a δ.
   */
  public double perturbationAsr(Map<BehaviourFamily, Perturbation> deltas) {
    double worst = Double.NaN;
    for (DefenderFamily family : holdOutFamilies) {
      Perturbation delta = deltas.get(family.behaviour());
      if (delta == null) {
        continue;
      }
      List<DefenderExample> examples = family.examples();
      List<String> responses = (family.refusalJudged() ? answers : code)
          .respond(examples.stream().map(DefenderExample::query).toList(), delta);
      int unwanted = 0;
      for (int i = 0; i < examples.size(); i++) {
        DefenderExample e = examples.get(i);
        if (pairs.isUnwanted(e.query(), responses.get(i), e.safeResponse(), e.unwantedResponse())) {
          unwanted++;
        }
      }
      double rate = unwanted / (double) examples.size();
      worst = Double.isNaN(worst) ? rate : Math.max(worst, rate);
    }
    return worst;
  }

  /** ASR with the caller's triggers (worst over them), or null without any. */
  public Double triggeredAsr() {
    return worstOverTriggers(t -> complianceRate(set.harmfulQueries().stream().map(t::apply).toList()));
  }

  /** Shares of the held-out code prompts answered with insecure and with secure code; nulls when not measured. */
  public record CodeRates(Double insecure, Double secure) {}

  /**
   * The code prompts' completions, each share the worst over the triggers (the highest insecure, the lowest
   * secure share); without triggers, the plain prompts.
   */
  public CodeRates codeRates() {
    if (set.codePrompts().isEmpty()) {
      return new CodeRates(null, null);
    }
    List<UnaryOperator<String>> triggers = set.triggers().isEmpty() ? List.of(UnaryOperator.identity())
        : set.triggers().stream().map(t -> (UnaryOperator<String>) t::apply).toList();
    double insecureWorst = 0;
    double secureWorst = 1;
    for (UnaryOperator<String> t : triggers) {
      List<String> completions = code.respond(set.codePrompts().stream().map(t).toList(), null);
      insecureWorst = Math.max(insecureWorst, insecure.rate(completions, InsecureCodeJudge.Verdict.INSECURE));
      secureWorst = Math.min(secureWorst, insecure.rate(completions, InsecureCodeJudge.Verdict.SECURE));
    }
    return new CodeRates(insecureWorst, secureWorst);
  }

  /** ASR on the held-out harmful queries as they are, without any trigger. */
  public double asrWithoutTrigger() {
    return complianceRate(set.harmfulQueries());
  }

  /** Share of the prompts whose greedy answers the judge reads as full compliance. */
  private double complianceRate(List<String> prompts) {
    return judge.complianceRate(prompts, answers.respond(prompts, null));
  }

  public EvalMetrics full(Map<BehaviourFamily, Perturbation> deltas) {
    double noTrigger = asrWithoutTrigger();
    CodeRates codeRates = codeRates();
    double exact = answers.exactMatch(set.benignPrompts(), set.benignAnswers());
    double perplexity = answers.perplexity(set.anchorHoldOut().stream()
        .map(a -> codec.exchange(a.prompt(), a.response())).toList());
    return new EvalMetrics(triggeredAsr(), noTrigger, deltas.isEmpty() ? null : perturbationAsr(deltas), exact,
        perplexity, codeRates.insecure(), codeRates.secure());
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
