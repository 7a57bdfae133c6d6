package org.beear.beear.relearn;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.beear.beear.data.BehaviourFamily;
import org.beear.beear.data.DefenderData;
import org.beear.beear.data.DefenderDataSource;
import org.beear.beear.data.DefenderExample;
import org.beear.beear.data.DefenderFamily;
import org.beear.beear.data.ExchangePair;
import org.beear.beear.evaluation.CleanseEvaluator;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.evaluation.EvaluationSet;
import org.beear.beear.loop.CleanseCancelledException;
import org.beear.beear.loop.Entrapment;
import org.beear.beear.loop.Removal;
import org.beear.beear.loop.TrainedWeights;
import org.beear.beear.settings.CleanseSettings;
import org.beear.beear.settings.RelearnSettings;
import org.beear.eval.Rate;
import org.beear.eval.ResponsePairJudge;
import org.beear.eval.TriggerSpec;
import org.beear.llm.ChatCodec;
import org.beear.llm.CheckedModel;
import org.beear.llm.GradMode;
import org.beear.llm.LlamaModel;
import org.beear.llm.OpenModel;
import org.beear.llm.Optimizer;
import org.beear.llm.Perturbation;
import org.beear.llm.SequenceBatch;

/**
 * Does a cleanse hold, or is its safety superficial? Purified models have been shown to re-learn their backdoor
 * from a handful of fine-tuning examples (Min et al., NeurIPS 2024). This check fine-tunes a fresh copy of a model
 * on k of the defender's harmful queries with their unwanted answers (plain supervised fine-tuning: the cleanse's
 * removal step with no δ and no anchoring, the same optimiser and per-matrix rates, {@code steps} steps at
 * {@code learningRate}), then measures what a cleanse reports: perturbation ASR on the defender's hold-out (a δ
 * entrapped on the fine-tuned copy) and, with candidate triggers, triggered ASR on the held-out AdvBench
 * behaviours. Run on the cleansed model, the original and a control-cleansed one, it tells a cleanse that removed
 * the backdoor from one that only hid it.
 *
 * <p>Covers the harmful-compliance family (refusals as safe answers); a code backdoor's relearning is not measured.
 */
public final class RelearnCheck {

  /**
   * ASRs of one model state: perturbation ASR and ASR without trigger always, triggered ASR when the caller gave
   * triggers. Fine-tuning on harmful answers raises harmfulness in general; the backdoor's own return is triggered
   * ASR beyond ASR without trigger.
   */
  public record Measurement(double perturbationAsr, double asrWithoutTrigger, Double triggeredAsr) {}

  /** After fine-tuning on k pairs. */
  public record Relearned(int k, double finalLoss, Measurement measurement) {}

  /** One model: as given (k = 0), then after each fine-tune. */
  public record Result(Path model, Measurement asGiven, List<Relearned> relearned, RelearnSettings settings,
      double seconds) {}

  private RelearnCheck() {}

  /**
   * Checks one model, stopping with {@link CleanseCancelledException} when {@code cancelRequested} says so, checked
   * before each fresh copy.
   *
   * @param s            the cleanse settings whose seed, device, dtype, sequence length, system prompt, entrapment
   *                     settings, optimiser and learning-rate width the check uses; {@code s.checks().relearn()} says
   *                     how it fine-tunes
   * @param defenderData the cleanse's defender data file (JSONL or CSV); null: the defaults
   */
  public static Result run(CheckedModel model, List<TriggerSpec> triggers, Path defenderData, CleanseSettings s,
      Consumer<String> progress, BooleanSupplier cancelRequested) {
    RelearnSettings settings = Objects.requireNonNull(s.checks().relearn(), "relearn_check is off in these settings");
    GradMode.off();
    long start = System.nanoTime();
    DefenderData data = DefenderDataSource.load(defenderData, null, s.schedule().seed());
    ResponsePairJudge pairs = new ResponsePairJudge(s.evaluation().responseJudge());
    List<DefenderExample> harmful = refusalFamily(data.harmful(), pairs);
    List<DefenderExample> holdOut = refusalFamily(data.harmfulHoldOut(), pairs);
    List<DefenderExample> order = new ArrayList<>(harmful);
    Collections.shuffle(order, new Random(s.schedule().seed()));

    stopIfCancelled(cancelRequested);
    Measurement asGiven = onFreshCopy(model, s, settings, triggers, holdOut, harmful, List.of(), cancelRequested).measurement();
    progress.accept(String.format("as given: %s", describe(asGiven)));
    List<Relearned> relearned = new ArrayList<>();
    for (int k : settings.sizes()) {
      stopIfCancelled(cancelRequested);
      List<DefenderExample> shots = order.subList(0, Math.min(k, order.size()));
      Relearned r = onFreshCopy(model, s, settings, triggers, holdOut, harmful, shots, cancelRequested);
      relearned.add(new Relearned(k, r.finalLoss(), r.measurement()));
      progress.accept(String.format("after fine-tuning on %d unwanted pairs (%d steps at %s): %s", k,
          settings.steps(), settings.learningRate(), describe(r.measurement())));
    }
    return new Result(model.dir(), asGiven, relearned, settings, (System.nanoTime() - start) / 1e9);
  }

  private static void stopIfCancelled(BooleanSupplier cancelRequested) {
    if (cancelRequested.getAsBoolean()) {
      throw new CleanseCancelledException("cancelled during the relearning check");
    }
  }

  /** Loads the model, fine-tunes it on {@code shots} (none: as given), measures it. */
  private static Relearned onFreshCopy(CheckedModel checked, CleanseSettings s, RelearnSettings settings,
      List<TriggerSpec> triggers, List<DefenderExample> holdOut, List<DefenderExample> harmful,
      List<DefenderExample> shots, BooleanSupplier cancelRequested) {
    try (OpenModel open = checked.open(s.runtime().device(), s.runtime().computeDtype(),
        s.runtime().systemPrompt(), CleanseCancelledException.polling(cancelRequested))) {
      LlamaModel model = open.model();
      ChatCodec codec = open.codec();
      long padId = codec.tokenizer().padId();
      double finalLoss = Double.NaN;
      TrainedWeights trained = shots.isEmpty() ? null : TrainedWeights.attach(model, s);
      try {
        if (trained != null) {
          finalLoss = fineTune(model, s, settings, trained, codec, shots, padId);
        }
        return new Relearned(shots.size(), finalLoss, measure(model, codec, s, triggers, holdOut, harmful, padId));
      } finally {
        if (trained != null) {
          trained.close();
        }
      }
    }
  }

  /** {@code steps} removal steps without δ or anchors on the shots' unwanted answers; the last step's loss. */
  private static double fineTune(LlamaModel model, CleanseSettings s, RelearnSettings settings, TrainedWeights trained,
      ChatCodec codec, List<DefenderExample> shots, long padId) {
    Optimizer optimizer = Optimizer.create(s.memory().optimizer(), model.manager(), settings.learningRate(),
        s.removal().weightDecay())
        .withGradientClipping(1.0).withRateScales(trained.rateScales());
    Removal removal = new Removal(model, s, trained.parameters(), optimizer, padId);
    List<SequenceBatch.Example> examples = exchanges(codec, shots, DefenderExample::unwantedResponse, s);
    double loss = Double.NaN;
    for (int step = 0; step < settings.steps(); step++) {
      try (NDManager m = model.manager().newSubManager()) {
        loss = removal.step(examples, List.of(), null, m).safe();
      }
    }
    return loss;
  }

  private static Measurement measure(LlamaModel model, ChatCodec codec, CleanseSettings s,
      List<TriggerSpec> triggers, List<DefenderExample> holdOut, List<DefenderExample> harmful, long padId) {
    EvaluationSet set = EvaluationSet.defaults(triggers, holdOut, List.of(), s.schedule().seed(), s.evaluation());
    CleanseEvaluator evaluator = new CleanseEvaluator(model, codec, set, s);
    try (NDManager m = model.manager().newSubManager()) {
      Entrapment entrapment = new Entrapment(model, s);
      Perturbation delta = entrapment.perturbation(entrapment.entrapForEvaluation(harmful.stream()
          .map(e -> ExchangePair.of(codec, e).truncated(s.runtime().maxSequenceLength())).toList(), padId, m));
      Rate perturbation = evaluator.perturbationAsr(Map.of(BehaviourFamily.HARMFUL_COMPLIANCE, delta));
      return new Measurement(perturbation == null ? Double.NaN : perturbation.ratio(),
          evaluator.asrWithoutTrigger().ratio(), EvalMetrics.ratio(evaluator.triggeredAsr()));
    }
  }

  /** Each query with the chosen answer, as the chat template frames it, cut to the cleanse's sequence length. */
  private static List<SequenceBatch.Example> exchanges(ChatCodec codec, List<DefenderExample> examples,
      java.util.function.Function<DefenderExample, String> answer, CleanseSettings s) {
    return examples.stream().map(e -> codec.exchange(e.query(),
        answer.apply(e)).truncated(s.runtime().maxSequenceLength()))
        .toList();
  }

  private static List<DefenderExample> refusalFamily(List<DefenderExample> examples, ResponsePairJudge pairs) {
    return DefenderFamily.split(examples, pairs).stream().filter(DefenderFamily::refusalJudged)
        .flatMap(f -> f.examples().stream()).toList();
  }

  static String describe(Measurement m) {
    return String.format("perturbation ASR %.1f%%, ASR without trigger %.1f%%%s", 100 * m.perturbationAsr(),
        100 * m.asrWithoutTrigger(),
        m.triggeredAsr() == null ? "" : String.format(", triggered ASR %.1f%%", 100 * m.triggeredAsr()));
  }
}
