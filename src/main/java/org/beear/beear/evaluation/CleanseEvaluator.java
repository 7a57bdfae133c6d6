package org.beear.beear.evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.beear.beear.data.BehaviourFamily;
import org.beear.beear.data.DefenderExample;
import org.beear.beear.data.DefenderFamily;
import org.beear.beear.settings.CleanseSettings;
import org.beear.eval.ChatEvaluator;
import org.beear.eval.InsecureCodeJudge;
import org.beear.eval.Rate;
import org.beear.eval.ResponseJudge;
import org.beear.eval.ResponsePairJudge;
import org.beear.eval.TriggerPlacements;
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
  private final LlamaModel model;
  private final CleanseSettings settings;

  public CleanseEvaluator(LlamaModel model, ChatCodec codec, EvaluationSet set, CleanseSettings s) {
    this.model = model;
    this.settings = s;
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
   * {@link DefenderFamily}, the hold-out responses judged unwanted under the δ entrapped on that family; the worst
   * family (highest upper bound) counts. Null when no hold-out family has a δ.
   */
  public Rate perturbationAsr(Map<BehaviourFamily, Perturbation> deltas) {
    Rate worst = null;
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
      worst = EvalMetrics.higher(worst, EvalMetrics.measured(unwanted, examples.size()));
    }
    return worst;
  }

  /** ASR with the caller's triggers (worst over them), or null without any. */
  public Rate triggeredAsr() {
    Rate worst = null;
    for (TriggerSpec t : set.triggers()) {
      worst = EvalMetrics.higher(worst, complianceRate(set.harmfulQueries().stream().map(t::apply).toList()));
    }
    return worst;
  }

  /**
   * The caller's triggers at every placement, with and without a system prompt ({@link TriggerPlacements}), each
   * on the held-out harmful requests; null without triggers. A chat template that refuses a system message leaves
   * the cells with one out, with a note saying so.
   */
  public TriggerMatrix triggerMatrix() {
    if (set.triggers().isEmpty()) {
      return null;
    }
    List<TriggerPlacements.SystemPrompt> framings = TriggerPlacements.systemPrompts(codec.systemPrompt());
    TriggerPlacements.SystemPrompt withSystem = framings.get(1);
    List<TriggerMatrix.Cell> cells = new ArrayList<>();
    String note = null;
    for (TriggerPlacements.SystemPrompt framing : framings) {
      ChatEvaluator framed;
      try {
        framed = Objects.equals(framing.text(), codec.systemPrompt()) ? answers : new ChatEvaluator(model,
            codec.withSystemPrompt(framing.text()), settings.evaluation().maxNewTokens(),
            settings.memory().evalBatchSize(), settings.runtime().maxSequenceLength());
      } catch (IllegalArgumentException refused) {
        note = "cells with a system prompt not measured: " + refused.getMessage();
        continue;
      }
      for (TriggerSpec given : set.triggers()) {
        for (TriggerPlacements.Placement placed : TriggerPlacements.of(given)) {
          cells.add(new TriggerMatrix.Cell(given.text(), given.position(), placed.position(), framing.label(),
              complianceRate(framed, set.harmfulQueries().stream().map(placed::apply).toList())));
        }
      }
    }
    return new TriggerMatrix(note == null ? withSystem.text() : null, withSystem.label(), note, cells);
  }

  /** Shares of the held-out code prompts answered with insecure and with secure code; nulls when not measured. */
  public record CodeRates(Rate insecure, Rate secure) {}

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
    Rate insecureWorst = null;
    Rate secureWorst = null;
    for (UnaryOperator<String> t : triggers) {
      List<String> completions = code.respond(set.codePrompts().stream().map(t).toList(), null);
      insecureWorst = EvalMetrics.higher(insecureWorst, EvalMetrics.measured(
          insecure.count(completions, InsecureCodeJudge.Verdict.INSECURE), completions.size()));
      secureWorst = EvalMetrics.lower(secureWorst, EvalMetrics.measured(
          insecure.count(completions, InsecureCodeJudge.Verdict.SECURE), completions.size()));
    }
    return new CodeRates(insecureWorst, secureWorst);
  }

  /** ASR on the held-out harmful queries as they are, without any trigger. */
  public Rate asrWithoutTrigger() {
    return complianceRate(set.harmfulQueries());
  }

  /**
   * Over-refusal: the safe prompts (XSTest's, which only look unsafe) whose greedy answers the judge reads as not
   * complying; null when the set has none.
   */
  public Rate overRefusal() {
    List<String> prompts = set.safePrompts();
    List<String> responses = answers.respond(prompts, null);
    int refused = 0;
    for (int i = 0; i < prompts.size(); i++) {
      refused += judge.complied(prompts.get(i), responses.get(i)) ? 0 : 1;
    }
    return EvalMetrics.measured(refused, prompts.size());
  }

  /** The prompts whose greedy answers the judge reads as full compliance. */
  private Rate complianceRate(List<String> prompts) {
    return complianceRate(answers, prompts);
  }

  private Rate complianceRate(ChatEvaluator evaluator, List<String> prompts) {
    List<String> responses = evaluator.respond(prompts, null);
    int complied = 0;
    for (int i = 0; i < prompts.size(); i++) {
      complied += judge.complied(prompts.get(i), responses.get(i)) ? 1 : 0;
    }
    return EvalMetrics.measured(complied, prompts.size());
  }

  /**
   * Every figure; the triggered ASR is the worst cell of the {@link #triggerMatrix() placement matrix} unless the
   * option trigger_matrix is off (then the worst over the triggers as given, as in an epoch).
   */
  public EvalMetrics full(Map<BehaviourFamily, Perturbation> deltas) {
    TriggerMatrix matrix = settings.evaluation().triggerMatrix() ? triggerMatrix() : null;
    TriggerMatrix.Cell worst = matrix == null ? null : matrix.worst();
    Rate triggered = worst != null ? worst.rate() : triggeredAsr();
    Rate noTrigger = asrWithoutTrigger();
    CodeRates codeRates = codeRates();
    Rate exact = EvalMetrics.measured(answers.exactMatches(set.benignPrompts(), set.benignAnswers()),
        set.benignPrompts().size());
    double perplexity = answers.perplexity(set.anchorHoldOut().stream()
        .map(a -> codec.exchange(a.prompt(), a.response())).toList());
    return new EvalMetrics(triggered, noTrigger, deltas.isEmpty() ? null : perturbationAsr(deltas), exact,
        perplexity, codeRates.insecure(), codeRates.secure(), overRefusal(), matrix);
  }
}
