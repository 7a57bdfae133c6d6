package org.beear.beear;

import ai.djl.Device;
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
import org.beear.beear.data.DefenderData;
import org.beear.beear.data.DefenderExample;
import org.beear.eval.RefusalJudge;
import org.beear.eval.ResponsePairJudge;
import org.beear.eval.TriggerSpec;
import org.beear.llm.ChatCodec;
import org.beear.llm.GradMode;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.ModelDirectory;
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
   * @param sizes        k: how many unwanted pairs each fine-tune sees (each from a fresh copy of the model)
   * @param steps        optimiser steps per fine-tune, each on all k pairs
   * @param learningRate the rate of those steps (matrices wider than {@code learning_rate_width} scaled as in a
   *                     cleanse)
   */
  public record Settings(List<Integer> sizes, int steps, double learningRate) {
    public static final List<Integer> DEFAULT_SIZES = List.of(5, 20);
    public static final int DEFAULT_STEPS = 10;
    public static final double DEFAULT_LEARNING_RATE = 1e-4;

    public Settings {
      sizes = List.copyOf(sizes == null || sizes.isEmpty() ? DEFAULT_SIZES : sizes);
      for (int k : sizes) {
        if (k < 1 || k > 1000) {
          throw new InvalidOptionsException(List.of("relearning: k must be 1 – 1000, not " + k));
        }
      }
      if (steps < 1 || steps > 1000) {
        throw new InvalidOptionsException(List.of("relearning: steps must be 1 – 1000, not " + steps));
      }
      if (!(learningRate > 0 && learningRate <= 1)) {
        throw new InvalidOptionsException(List.of("relearning: the learning rate must be > 0 and ≤ 1, not " + learningRate));
      }
    }

    public static Settings defaults() {
      return new Settings(DEFAULT_SIZES, DEFAULT_STEPS, DEFAULT_LEARNING_RATE);
    }
  }

  /**
   * ASRs of one model state: perturbation ASR and ASR without trigger always, triggered ASR when the caller gave
   * triggers. Fine-tuning on harmful answers raises harmfulness in general; the backdoor's own return is triggered
   * ASR beyond ASR without trigger.
   */
  public record Measurement(double perturbationAsr, double asrWithoutTrigger, Double triggeredAsr) {}

  /** After fine-tuning on k pairs. */
  public record Relearned(int k, double finalLoss, Measurement measurement) {}

  /** One model: as given (k = 0), then after each fine-tune. */
  public record Result(Path model, Measurement asGiven, List<Relearned> relearned, Settings settings,
      double seconds) {}

  private RelearnCheck() {}

  /**
   * @param options the cleanse options whose seed, device, dtype, sequence length, system prompt, entrapment
   *                settings and learning-rate width the check uses
   */
  public static Result run(Path modelDir, List<TriggerSpec> triggers, BeearOptions options, Settings settings,
      Consumer<String> progress) {
    return run(modelDir, triggers, null, options, settings, progress, () -> false);
  }

  /**
   * As {@link #run(Path, List, BeearOptions, Settings, Consumer)}, on the defender data of a cleanse, and stopping
   * with {@link CleanseCancelledException} when {@code cancelRequested} says so, checked before each fresh copy.
   *
   * @param defenderData the cleanse's defender data file (JSONL or CSV); null: the defaults
   */
  public static Result run(Path modelDir, List<TriggerSpec> triggers, Path defenderData, BeearOptions options,
      Settings settings, Consumer<String> progress, BooleanSupplier cancelRequested) {
    Objects.requireNonNull(modelDir, "modelDir");
    new BeearCleanser().validateModel(modelDir);
    GradMode.off();
    long start = System.nanoTime();
    ModelConfig config = ModelConfig.load(modelDir);
    boolean cuda = ai.djl.engine.Engine.getInstance().getGpuCount() > 0;
    CleanseSettings s = CleanseSettings.resolve(options, config, CleanseSettings.device(options, cuda));
    CleanseRequest request = new CleanseRequest(modelDir, modelDir, modelDir, options, triggers, defenderData, null);
    DefenderData data = DefenderDataSource.load(request, s.seed());
    ResponsePairJudge pairs = new ResponsePairJudge(new RefusalJudge());
    List<DefenderExample> harmful = refusalFamily(data.harmful(), pairs);
    List<DefenderExample> holdOut = refusalFamily(data.harmfulHoldOut(), pairs);
    List<DefenderExample> order = new ArrayList<>(harmful);
    Collections.shuffle(order, new Random(s.seed()));

    stopIfCancelled(cancelRequested);
    Measurement asGiven = onFreshCopy(modelDir, s, settings, triggers, holdOut, harmful, List.of(), cancelRequested)
        .measurement();
    progress.accept(String.format("as given: %s", describe(asGiven)));
    List<Relearned> relearned = new ArrayList<>();
    for (int k : settings.sizes()) {
      stopIfCancelled(cancelRequested);
      List<DefenderExample> shots = order.subList(0, Math.min(k, order.size()));
      Relearned r = onFreshCopy(modelDir, s, settings, triggers, holdOut, harmful, shots, cancelRequested);
      relearned.add(new Relearned(k, r.finalLoss(), r.measurement()));
      progress.accept(String.format("after fine-tuning on %d unwanted pairs (%d steps at %s): %s", k,
          settings.steps(), settings.learningRate(), describe(r.measurement())));
    }
    return new Result(modelDir, asGiven, relearned, settings, (System.nanoTime() - start) / 1e9);
  }

  private static void stopIfCancelled(BooleanSupplier cancelRequested) {
    if (cancelRequested.getAsBoolean()) {
      throw new CleanseCancelledException("cancelled during the relearning check");
    }
  }

  /** Loads the model, fine-tunes it on {@code shots} (none: as given), measures it. */
  private static Relearned onFreshCopy(Path modelDir, CleanseSettings s, Settings settings,
      List<TriggerSpec> triggers, List<DefenderExample> holdOut, List<DefenderExample> harmful,
      List<DefenderExample> shots, BooleanSupplier cancelRequested) {
    Device device = s.device().equals("cuda") ? Device.gpu() : Device.cpu();
    try (LlamaModel model = ModelDirectory.load(modelDir, device, ModelDirectory.computeType(s.computeDtype()));
        ChatCodec baseCodec = ChatCodec.load(modelDir, model.config(), null)) {
      ChatCodec codec = baseCodec.withCancellation(cancelRequested,
          () -> new CleanseCancelledException(ChatCodec.RENDER_CANCELLED)).withSystemPrompt(s.systemPrompt());
      model.weights().values().forEach(w -> w.setRequiresGradient(false));
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
  private static double fineTune(LlamaModel model, CleanseSettings s, Settings settings, TrainedWeights trained,
      ChatCodec codec, List<DefenderExample> shots, long padId) {
    Optimizer optimizer = Optimizer.create(s.optimizer(), model.manager(), settings.learningRate(), s.weightDecay())
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
    EvaluationSet set = EvaluationSet.defaults(triggers, holdOut, List.of(), s.seed());
    CleanseEvaluator evaluator = new CleanseEvaluator(model, codec, set, s);
    try (NDManager m = model.manager().newSubManager()) {
      Perturbation delta = new Entrapment(model, s).entrapForEvaluation(
          exchanges(codec, harmful, DefenderExample::unwantedResponse, s),
          exchanges(codec, harmful, DefenderExample::safeResponse, s), padId, m);
      double perturbation = evaluator.perturbationAsr(Map.of(true, delta));
      return new Measurement(perturbation, evaluator.asrWithoutTrigger(), evaluator.triggeredAsr());
    }
  }

  /** Each query with the chosen answer, as the chat template frames it, cut to the cleanse's sequence length. */
  private static List<SequenceBatch.Example> exchanges(ChatCodec codec, List<DefenderExample> examples,
      java.util.function.Function<DefenderExample, String> answer, CleanseSettings s) {
    return examples.stream().map(e -> codec.exchange(e.query(), answer.apply(e)).truncated(s.maxSequenceLength()))
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
