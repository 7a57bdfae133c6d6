package org.beear.beear.settings;

import static org.beear.beear.settings.BeearOptions.ADAPTER_ALPHA;
import static org.beear.beear.settings.BeearOptions.ADAPTER_RANK;
import static org.beear.beear.settings.BeearOptions.ALPHA;
import static org.beear.beear.settings.BeearOptions.ANCHOR_BATCH_SIZE;
import static org.beear.beear.settings.BeearOptions.ANCHOR_LAYER;
import static org.beear.beear.settings.BeearOptions.ANCHOR_WEIGHT;
import static org.beear.beear.settings.BeearOptions.BATCH_SIZE;
import static org.beear.beear.settings.BeearOptions.COMPUTE_DTYPE;
import static org.beear.beear.settings.BeearOptions.DELTA_MAX_NORM;
import static org.beear.beear.settings.BeearOptions.DEVICE;
import static org.beear.beear.settings.BeearOptions.EARLY_STOP_ASR;
import static org.beear.beear.settings.BeearOptions.ENTRAPMENT;
import static org.beear.beear.settings.BeearOptions.EVAL_BATCH_SIZE;
import static org.beear.beear.settings.BeearOptions.EVAL_MAX_NEW_TOKENS;
import static org.beear.beear.settings.BeearOptions.INNER_LEARNING_RATE;
import static org.beear.beear.settings.BeearOptions.INNER_STEPS;
import static org.beear.beear.settings.BeearOptions.LEARNING_RATE;
import static org.beear.beear.settings.BeearOptions.LEARNING_RATE_WIDTH;
import static org.beear.beear.settings.BeearOptions.MAX_EPOCHS;
import static org.beear.beear.settings.BeearOptions.MAX_SEQUENCE_LENGTH;
import static org.beear.beear.settings.BeearOptions.MICRO_BATCH_SIZE;
import static org.beear.beear.settings.BeearOptions.MIN_EPOCHS;
import static org.beear.beear.settings.BeearOptions.OPTIMIZER;
import static org.beear.beear.settings.BeearOptions.PERTURBATION_LENGTH;
import static org.beear.beear.settings.BeearOptions.RECOMPUTE_ACTIVATIONS;
import static org.beear.beear.settings.BeearOptions.RELEARN_CHECK;
import static org.beear.beear.settings.BeearOptions.RELEARN_CONTROL;
import static org.beear.beear.settings.BeearOptions.RELEARN_K;
import static org.beear.beear.settings.BeearOptions.RELEARN_LEARNING_RATE;
import static org.beear.beear.settings.BeearOptions.RELEARN_STEPS;
import static org.beear.beear.settings.BeearOptions.SCAN;
import static org.beear.beear.settings.BeearOptions.SEED;
import static org.beear.beear.settings.BeearOptions.SYSTEM_PROMPT;
import static org.beear.beear.settings.BeearOptions.TRAINABLE_FROM;
import static org.beear.beear.settings.BeearOptions.TRAINABLE_TO;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.beear.eval.ResponseJudge;
import org.beear.llm.DeviceKind;
import org.beear.llm.ModelConfig;
import org.beear.llm.Optimizer;
import org.beear.options.ModelFacts;
import org.beear.options.Option;
import org.beear.options.OptionValues;
import org.beear.plan.MemoryPlanner;
import org.beear.plan.MemorySettings;
import org.beear.plan.Workload;

/**
 * Every setting of one cleanse as a concrete value: the caller's {@link BeearOptions} resolved once against the
 * model's config and the device, read through one record per group of options. The memory planner, the loop, the
 * report and the job view all read this; the options, their defaults and bounds are declared in
 * {@link BeearOptions} and nowhere else.
 */
public final class CleanseSettings {

  /**
   * The inner level: δ with the model frozen.
   *
   * @param anchorLayer        l: δ is added to the output of decoder layer l (1-based)
   * @param perturbationLength n: δ covers the last n prompt positions
   * @param alpha              weight of the "away from safe" term of the entrapment objective
   * @param innerSteps         Adam steps on δ per round, δ starting from zero
   * @param innerLearningRate  δ's Adam step as a fraction of the hidden states' RMS at layer l
   * @param deltaMaxNorm       L2 bound on each row of δ relative to a typical hidden state's norm; null: none
   * @param enabled            false: the control, plain safety fine-tuning with δ switched off
   */
  public record EntrapmentSettings(int anchorLayer, int perturbationLength, double alpha, int innerSteps,
      double innerLearningRate, Double deltaMaxNorm, boolean enabled) {}

  /**
   * The outer level: the step on the trained parameters.
   *
   * @param anchorWeight      λ: weight of the performance-anchoring loss
   * @param learningRate      for vectors and for matrices up to {@code learningRateWidth} wide (fan-in)
   * @param learningRateWidth a wider matrix takes learningRate·width/fan-in (µP's rule for Adam); 0: no scaling
   * @param weightDecay       decoupled weight decay
   * @param adapterAlpha      LoRA's α; an adapter's update is scaled by α/r
   * @param outputFormat      what the cleanse writes: the merged model, or what removal trained as a PEFT adapter
   */
  public record RemovalSettings(double anchorWeight, double learningRate, int learningRateWidth, double weightDecay,
      double adapterAlpha, OutputFormat outputFormat) {

    /** Whether the cleanse writes a PEFT adapter rather than a full model. */
    public boolean writesAdapter() {
      return outputFormat == OutputFormat.ADAPTER;
    }


    /** The learning-rate multiplier of a matrix with this fan-in: min(1, width / fan-in), 1 without scaling. */
    public double rateScale(long fanIn) {
      return learningRateWidth == 0 ? 1 : Math.min(1, learningRateWidth / (double) fanIn);
    }
  }

  /**
   * How long the loop runs, on what batches, and when it stops.
   *
   * @param maxEpochs       hard budget of epochs (an epoch: one pass over the defender's harmful set)
   * @param minEpochs       epochs before early stopping may end the loop
   * @param batchSize       harmful pairs per round
   * @param anchorBatchSize anchoring examples per removal step
   * @param minorityShare   a smaller behaviour family fills at least this share of the largest one's batches
   * @param earlyStopAsr    stop once the worst hold-out family's perturbation ASR is at or below this ratio
   * @param seed            data order, adapter initialisation, anchoring draws
   */
  public record ScheduleSettings(int maxEpochs, int minEpochs, int batchSize, int anchorBatchSize,
      double minorityShare, double earlyStopAsr, long seed) {}

  /**
   * @param maxNewTokens  greedy tokens per evaluated prompt (but code prompts)
   * @param benignPrompts held-out benign questions exact-match is measured on
   * @param judge         the name of the judge that reads whether an answer complied ({@link ResponseJudge#NAMES})
   * @param harmfulPrompts held-out harmful requests every ASR but the perturbation ASR is measured on
   * @param safePrompts   XSTest safe prompts over-refusal is measured on (0: not measured)
   * @param triggerMatrix before and after, each trigger at every placement with and without a system prompt
   */
  public record EvaluationSettings(int maxNewTokens, int benignPrompts, String judge, int harmfulPrompts,
      int safePrompts, boolean triggerMatrix) {
    /** The judge every refusal-based figure of the cleanse is read with. */
    public ResponseJudge responseJudge() {
      return ResponseJudge.named(judge);
    }

    /** Greedy tokens per code prompt: a function body needs more than an answer's opening. */
    public static final int CODE_MAX_NEW_TOKENS = 72;
    /** Pairs (of a family's hold-out) the δ of a perturbation-ASR measurement is entrapped on. */
    public static final int ENTRAPMENT_PAIRS = 16;
  }

  /**
   * Where the cleanse runs and how its conversations are framed.
   *
   * @param maxSequenceLength longest prompt + response in tokens; what the memory plan assumes
   * @param device            cpu or cuda
   * @param computeDtype      float32 or float16 (float16 trains with float32 masters and dynamic loss scaling)
   * @param systemPrompt      a system message before every conversation; null: none
   */
  public record RuntimeSettings(int maxSequenceLength, DeviceKind device, String computeDtype, String systemPrompt) {}

  /**
   * The checks around a cleanse (issue #18), each off by default. Neither is in the memory plan: they run one after
   * another with one model loaded at a time, the scan before the cleanse loads its model, the relearning check after
   * it has closed it; but their batches are their own (the scan entraps δ on 32 pairs at once, a relearning
   * fine-tune steps on all k pairs), so on a device the cleanse only just fits they may not.
   *
   * @param scan           the trigger-free backdoor scan before the cleanse ({@link ScanBeforeCleanse})
   * @param relearn        the relearning check after the cleanse ({@link RelearnAfterCleanse}); null: not run
   * @param relearnControl also cleanse a control model (no entrapment) and relearn it
   */
  public record CheckSettings(boolean scan, RelearnSettings relearn, boolean relearnControl) {}

  /** The planner's knobs and the options that set each: a knob the caller set stays as set in a fit. */
  private static final Map<MemoryPlanner.Knob, List<Option<?>>> KNOBS = Map.of(
      MemoryPlanner.Knob.MICRO_BATCH, List.of(MICRO_BATCH_SIZE),
      MemoryPlanner.Knob.RECOMPUTE, List.of(RECOMPUTE_ACTIVATIONS),
      MemoryPlanner.Knob.EVAL_BATCH, List.of(EVAL_BATCH_SIZE),
      MemoryPlanner.Knob.OPTIMIZER, List.of(OPTIMIZER),
      MemoryPlanner.Knob.ADAPTERS, List.of(ADAPTER_RANK),
      MemoryPlanner.Knob.TRAINABLE_RANGE, List.of(TRAINABLE_FROM, TRAINABLE_TO));

  private final OptionValues resolved;
  private final EntrapmentSettings entrapment;
  private final RemovalSettings removal;
  private final MemorySettings memory;
  private final ScheduleSettings schedule;
  private final EvaluationSettings evaluation;
  private final RuntimeSettings runtime;
  private final CheckSettings checks;

  private CleanseSettings(OptionValues r) {
    this.resolved = r;
    this.entrapment = new EntrapmentSettings(r.get(ANCHOR_LAYER), r.get(PERTURBATION_LENGTH), r.get(ALPHA),
        r.get(INNER_STEPS), r.get(INNER_LEARNING_RATE), r.get(DELTA_MAX_NORM), r.get(ENTRAPMENT));
    this.removal = new RemovalSettings(r.get(ANCHOR_WEIGHT), r.get(LEARNING_RATE), r.get(LEARNING_RATE_WIDTH),
        r.get(BeearOptions.WEIGHT_DECAY), r.get(ADAPTER_ALPHA),
        OutputFormat.parse(r.get(BeearOptions.OUTPUT_FORMAT)));
    this.memory = new MemorySettings(Optimizer.Kind.parse(r.get(OPTIMIZER)), r.get(TRAINABLE_FROM),
        r.get(TRAINABLE_TO), r.get(ADAPTER_RANK), r.get(MICRO_BATCH_SIZE), r.get(RECOMPUTE_ACTIVATIONS),
        r.get(EVAL_BATCH_SIZE));
    this.schedule = new ScheduleSettings(r.get(MAX_EPOCHS), r.get(MIN_EPOCHS), r.get(BATCH_SIZE),
        r.get(ANCHOR_BATCH_SIZE), r.get(BeearOptions.MINORITY_SHARE), r.get(EARLY_STOP_ASR), r.get(SEED));
    this.evaluation = new EvaluationSettings(r.get(EVAL_MAX_NEW_TOKENS), r.get(BeearOptions.EVAL_BENIGN_PROMPTS),
        r.get(BeearOptions.JUDGE), r.get(BeearOptions.EVAL_HARMFUL_PROMPTS), r.get(BeearOptions.EVAL_SAFE_PROMPTS),
        r.get(BeearOptions.TRIGGER_MATRIX));
    this.runtime = new RuntimeSettings(r.get(MAX_SEQUENCE_LENGTH), DeviceKind.of(r.get(DEVICE)), r.get(COMPUTE_DTYPE),
        r.get(SYSTEM_PROMPT));
    boolean relearn = Boolean.TRUE.equals(r.get(RELEARN_CHECK));
    this.checks = new CheckSettings(r.get(SCAN), relearn ? new RelearnSettings(r.get(RELEARN_K),
        r.get(RELEARN_STEPS), r.get(RELEARN_LEARNING_RATE)) : null, relearn && r.get(RELEARN_CONTROL));
  }

  /**
   * Resolves {@code o} for a model of this config on {@code device} ("cpu" or "cuda"). Throws
   * {@link org.beear.options.InvalidOptionsException} listing every problem, those that need the model's config
   * included: layer indices, the context length. This is the one place they are checked, before any weight is
   * read: at submission for a model whose config is at hand and in the worker before loading.
   */
  public static CleanseSettings resolve(BeearOptions o, ModelConfig config, String device) {
    return new CleanseSettings(BeearOptions.SET.resolve(o.values(),
        new ModelFacts(config.numLayers(), config.maxPositionEmbeddings(), device)));
  }

  public EntrapmentSettings entrapment() {
    return entrapment;
  }

  public RemovalSettings removal() {
    return removal;
  }

  public MemorySettings memory() {
    return memory;
  }

  public ScheduleSettings schedule() {
    return schedule;
  }

  public EvaluationSettings evaluation() {
    return evaluation;
  }

  public RuntimeSettings runtime() {
    return runtime;
  }

  public CheckSettings checks() {
    return checks;
  }

  /**
   * These settings for the control cleanse of the relearning check: δ switched off, no checks of its own, all else
   * the same.
   */
  public CleanseSettings forControl() {
    OptionValues control = resolved.with(ENTRAPMENT, false).with(SCAN, false).with(RELEARN_CHECK, false);
    for (Option<?> tuning : List.of(RELEARN_K, RELEARN_STEPS, RELEARN_LEARNING_RATE, RELEARN_CONTROL)) {
      control = control.with(tuning, null);
    }
    return new CleanseSettings(control);
  }

  /** The epoch budget of options before a model is known (the job's max_epochs column). */
  public static int maxEpochs(BeearOptions o) {
    return BeearOptions.SET.orDefault(o.values(), MAX_EPOCHS);
  }

  /** What the memory planner needs to know of these settings. */
  public Workload workload() {
    return new Workload(runtime.computeDtype(), schedule.batchSize(), schedule.anchorBatchSize(),
        runtime.maxSequenceLength(), entrapment.anchorLayer(), entrapment.enabled(),
        Math.max(evaluation.maxNewTokens(), EvaluationSettings.CODE_MAX_NEW_TOKENS),
            EvaluationSettings.ENTRAPMENT_PAIRS,
        memory);
  }

  /** The memory settings the caller set, which a fit must leave as they are. */
  public static Set<MemoryPlanner.Knob> fixedKnobs(BeearOptions o) {
    Set<MemoryPlanner.Knob> fixed = EnumSet.noneOf(MemoryPlanner.Knob.class);
    KNOBS.forEach((knob, options) -> {
      if (options.stream().anyMatch(option -> o.get(option) != null)) {
        fixed.add(knob);
      }
    });
    if (OutputFormat.ADAPTER.wireName().equals(o.get(BeearOptions.OUTPUT_FORMAT))) {
      fixed.add(MemoryPlanner.Knob.ADAPTERS); // the output is the trained adapters: a fit may not train weights
    }
    return fixed;
  }

  /** {@code o} with the planner's choice of memory settings, as if the caller had set them. */
  public static BeearOptions withMemory(BeearOptions o, MemorySettings m) {
    return o.with(OPTIMIZER, m.optimizer().wireName()).with(TRAINABLE_FROM, m.trainableFrom())
        .with(TRAINABLE_TO, m.trainableTo()).with(ADAPTER_RANK, m.adapterRank())
        .with(MICRO_BATCH_SIZE, m.microBatchSize()).with(RECOMPUTE_ACTIVATIONS, m.recomputeActivations())
        .with(EVAL_BATCH_SIZE, m.evalBatchSize());
  }

  /**
   * These settings as options with every value spelled out, e.g. to submit a fitted plan's settings as they are
   * (what report.json, the plan and the job show). {@code fit} is left out: the values are already the fitted ones.
   */
  public BeearOptions toOptions() {
    return new BeearOptions(resolved);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CleanseSettings s && s.resolved.equals(resolved);
  }

  @Override
  public int hashCode() {
    return resolved.hashCode();
  }

  @Override
  public String toString() {
    return "CleanseSettings" + resolved;
  }
}
