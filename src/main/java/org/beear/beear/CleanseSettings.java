package org.beear.beear;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.EnumSet;
import java.util.Set;
import org.beear.llm.ModelConfig;
import org.beear.llm.Optimizer;
import org.beear.plan.MemoryPlanner;
import org.beear.plan.Workload;

/**
 * Every setting of one cleanse as a concrete value: the caller's {@link BeearOptions} resolved once against the
 * model's config and the device. The memory planner, the loop, the report and the job view all read this record;
 * the defaults live here and nowhere else.
 *
 * @param anchorLayer          l: δ is added to the output of decoder layer l (1-based); default round(9/32·L), ≥ 1,
 *                             the paper's layer 9 of 32 scaled to the model's depth
 * @param perturbationLength   n: δ covers the last n prompt positions (paper: 5)
 * @param alpha                weight of the "away from safe" term in the entrapment objective (official code: 0.05)
 * @param innerSteps           Adam steps on δ per round, δ starting from zero (model frozen)
 * @param innerLearningRate    δ's Adam step as a fraction of the hidden states' RMS at layer l
 * @param deltaMaxNorm         optional L2 bound on each row of δ relative to a typical hidden state's norm; null: none
 * @param anchorWeight         λ: weight of the performance-anchoring loss in removal
 * @param optimizer            of the trained parameters: AdamW, Adafactor (factored second moments, far less state)
 *                             or SGD
 * @param learningRate         of the trained parameters, as given for vectors and for matrices up to
 *                             {@code learningRateWidth} wide (fan-in)
 * @param learningRateWidth    a wider matrix takes learningRate·width/fan-in: µP's rule for Adam (Yang et al. 2022),
 *                             so the change a step makes to a layer's output does not grow with the model's width
 *                             (Llama-2-7B's attention: ×1/16). 0: every parameter takes learningRate
 * @param weightDecay          decoupled weight decay
 * @param trainableFrom        first decoder layer removal trains (1-based, inclusive)
 * @param trainableTo          last decoder layer removal trains (inclusive)
 * @param adapterRank          0: the trainable layers' weights train directly; r > 0: LoRA adapters of rank r on their
 *                             attention and MLP projections train instead and are merged into the weights on save
 * @param adapterAlpha         LoRA's α; an adapter's update is scaled by α/r
 * @param maxEpochs            hard budget of epochs (an epoch: one pass over the defender's harmful set)
 * @param minEpochs            epochs before early stopping may end the loop
 * @param batchSize            harmful pairs per round
 * @param anchorBatchSize      anchoring examples per removal step
 * @param microBatchSize       sequences per forward/backward pass; a step accumulates the gradients of as many
 *                             passes as it needs, with the same result as one pass over the whole batch
 * @param recomputeActivations removal keeps one decoder layer's activations at a time and recomputes the rest
 * @param maxSequenceLength    longest prompt + response in tokens; longer training examples lose the end of their
 *                             response (and, if the prompt alone is longer, its beginning), evaluation prompts their
 *                             beginning. The memory plan is made for sequences of this length
 * @param earlyStopAsr         stop once the worst hold-out family's perturbation ASR is at or below this ratio
 * @param entrapment           false: the control, plain safety fine-tuning with δ switched off
 * @param seed                 data order, adapter initialisation, anchoring draws
 * @param evalMaxNewTokens     greedy tokens per evaluated prompt
 * @param evalBatchSize        prompts per generation batch in evaluation
 * @param device               cpu or cuda
 * @param computeDtype         float32 or float16 (float16 trains with float32 masters and dynamic loss scaling)
 * @param systemPrompt         a system message put before every conversation (defender data, anchoring data,
 *                             evaluation), for models attacked and served with one; null: none
 * @param checks               what runs around the cleanse: the scan before it, the relearning check after it
 */
public record CleanseSettings(
    int anchorLayer,
    int perturbationLength,
    double alpha,
    int innerSteps,
    double innerLearningRate,
    Double deltaMaxNorm,
    double anchorWeight,
    Optimizer.Kind optimizer,
    double learningRate,
    int learningRateWidth,
    double weightDecay,
    int trainableFrom,
    int trainableTo,
    int adapterRank,
    double adapterAlpha,
    int maxEpochs,
    int minEpochs,
    int batchSize,
    int anchorBatchSize,
    int microBatchSize,
    boolean recomputeActivations,
    int maxSequenceLength,
    double earlyStopAsr,
    boolean entrapment,
    long seed,
    int evalMaxNewTokens,
    int evalBatchSize,
    String device,
    String computeDtype,
    String systemPrompt,
    Checks checks) {

  public static final int DEFAULT_MAX_EPOCHS = 4;
  public static final int DEFAULT_LEARNING_RATE_WIDTH = 256;
  public static final int DEFAULT_BATCH_SIZE = 8;
  /** Or the model's max_position_embeddings when that is less. */
  public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 256;
  public static final int DEFAULT_PERTURBATION_LENGTH = 5;
  public static final int DEFAULT_EVAL_BATCH_SIZE = 32;
  public static final int MAX_SYSTEM_PROMPT_CHARS = 16_384;

  /**
   * The checks around a cleanse (issue #18), each off by default. Neither is in the memory plan: they run one after
   * another with one model loaded at a time, the scan before the cleanse loads its model, the relearning check after
   * it has closed it; but their batches are their own (the scan entraps δ on 32 pairs at once, a relearning
   * fine-tune steps on all k pairs), so on a device the cleanse only just fits they may not.
   *
   * @param scan           option {@code scan}: the trigger-free backdoor scan before the cleanse, its verdict in
   *                       report.json's {@code before.scan} ({@link ScanBeforeCleanse})
   * @param relearn        options {@code relearn_check}, {@code relearn_k}, {@code relearn_steps},
   *                       {@code relearn_learning_rate}: the relearning check after the cleanse, in report.json's
   *                       {@code relearn} ({@link RelearnAfterCleanse}); null: not run
   * @param relearnControl option {@code relearn_control}: also cleanse a control model (no entrapment) and relearn it
   */
  public record Checks(boolean scan, RelearnCheck.Settings relearn, boolean relearnControl) {
    static Checks of(BeearOptions o) {
      RelearnCheck.Settings relearn = !Boolean.TRUE.equals(o.relearnCheck()) ? null : new RelearnCheck.Settings(
          o.relearnK() != null ? o.relearnK() : RelearnCheck.Settings.DEFAULT_SIZES,
          o.relearnSteps() != null ? o.relearnSteps() : RelearnCheck.Settings.DEFAULT_STEPS,
          o.relearnLearningRate() != null ? o.relearnLearningRate() : RelearnCheck.Settings.DEFAULT_LEARNING_RATE);
      return new Checks(Boolean.TRUE.equals(o.scan()), relearn,
          relearn != null && Boolean.TRUE.equals(o.relearnControl()));
    }
  }

  /**
   * Resolves {@code o} for a model of this config on {@code device} ("cpu" or "cuda"). Throws
   * {@link InvalidOptionsException} listing every problem, those that need the model's config included: layer
   * indices, the context length. This is the one place they are checked, before any weight is read: at submission
   * for a model whose config is at hand and in the worker before loading.
   */
  public static CleanseSettings resolve(BeearOptions o, ModelConfig config, String device) {
    List<String> problems = new ArrayList<>(o.validate());
    int layers = config.numLayers();
    int anchorLayer = o.anchorLayer() != null ? o.anchorLayer() : Math.max(1, (int) Math.round(9.0 / 32.0 * layers));
    int from = o.trainableFrom() != null ? o.trainableFrom() : 1;
    int to = o.trainableTo() != null ? o.trainableTo() : layers;
    if (anchorLayer > layers && unreported(problems, "anchor_layer")) {
      problems.add("anchor_layer must be at most " + layers + " (the model's decoder layers), got " + anchorLayer);
    }
    if (from > layers && unreported(problems, "trainable_from")) {
      problems.add("trainable_from must be at most " + layers + " (the model's decoder layers), got " + from);
    }
    if (to > layers && unreported(problems, "trainable_to")) {
      problems.add("trainable_to must be at most " + layers + " (the model's decoder layers), got " + to);
    }
    // positions past the model's context are untrained: RoPE extrapolates there and the model answers garbage
    int context = config.maxPositionEmbeddings();
    int maxSequence = o.maxSequenceLength() != null ? o.maxSequenceLength()
        : Math.min(DEFAULT_MAX_SEQUENCE_LENGTH, context);
    if (maxSequence > context && unreported(problems, "max_sequence_length")) {
      problems.add("max_sequence_length must be at most " + context + " (the model's max_position_embeddings), got "
          + maxSequence);
    }
    int perturbation = o.perturbationLength() != null ? o.perturbationLength() : DEFAULT_PERTURBATION_LENGTH;
    if (perturbation >= maxSequence && unreported(problems, "perturbation_length")) {
      problems.add(BeearOptions.perturbationTooLong(perturbation, maxSequence));
    }
    String dtype = o.computeDtype() != null ? o.computeDtype() : device.equals("cuda") ? "float16" : "float32";
    if (!problems.isEmpty()) {
      throw new InvalidOptionsException(problems);
    }
    int batch = o.batchSize() != null ? o.batchSize() : DEFAULT_BATCH_SIZE;
    int anchorBatch = o.anchorBatchSize() != null ? o.anchorBatchSize() : 4 * batch;
    int maxEpochs = o.maxEpochs() != null ? o.maxEpochs() : DEFAULT_MAX_EPOCHS;
    int rank = o.adapterRank() != null ? o.adapterRank() : 0;
    return new CleanseSettings(
        anchorLayer,
        perturbation,
        o.alpha() != null ? o.alpha() : 0.05,
        o.innerSteps() != null ? o.innerSteps() : 5,
        o.innerLearningRate() != null ? o.innerLearningRate() : 1.0,
        o.deltaMaxNorm(),
        o.anchorWeight() != null ? o.anchorWeight() : 1.0,
        o.optimizer() != null ? Optimizer.Kind.parse(o.optimizer()) : Optimizer.Kind.ADAMW,
        o.learningRate() != null ? o.learningRate() : 1e-3,
        o.learningRateWidth() != null ? o.learningRateWidth() : DEFAULT_LEARNING_RATE_WIDTH,
        o.weightDecay() != null ? o.weightDecay() : 0.0,
        from,
        to,
        rank,
        o.adapterAlpha() != null ? o.adapterAlpha() : Math.max(1, rank),
        maxEpochs,
        o.minEpochs() != null ? o.minEpochs() : Math.min(2, maxEpochs),
        batch,
        anchorBatch,
        o.microBatchSize() != null ? o.microBatchSize() : Math.max(2 * batch, anchorBatch),
        Boolean.TRUE.equals(o.recomputeActivations()),
        maxSequence,
        o.earlyStopAsr() != null ? o.earlyStopAsr() : 0.05,
        o.entrapment() == null || o.entrapment(),
        o.seed() != null ? o.seed() : 42L,
        o.evalMaxNewTokens() != null ? o.evalMaxNewTokens() : 24,
        o.evalBatchSize() != null ? o.evalBatchSize() : DEFAULT_EVAL_BATCH_SIZE,
        device,
        dtype,
        o.systemPrompt() == null || o.systemPrompt().isBlank() ? null : o.systemPrompt(),
        Checks.of(o));
  }

  /** Whether no problem with this option was found yet (one message per option is enough). */
  private static boolean unreported(List<String> problems, String option) {
    return problems.stream().noneMatch(p -> InvalidOptionsException.option(p).equals(option));
  }

  /** The epoch budget of options before a model is known (the job's max_epochs column). */
  public static int maxEpochs(BeearOptions o) {
    return o.maxEpochs() != null ? o.maxEpochs() : DEFAULT_MAX_EPOCHS;
  }

  /** The device an options' {@code device} asks for, given whether CUDA is there: "cpu" or "cuda". */
  public static String device(BeearOptions o, boolean cudaAvailable) {
    String d = o.device() == null ? "auto" : o.device();
    return switch (d) {
      case "cpu" -> "cpu";
      case "cuda", "gpu" -> "cuda";
      default -> cudaAvailable ? "cuda" : "cpu";
    };
  }

  public boolean adapters() {
    return adapterRank > 0;
  }

  /** The learning-rate multiplier of a matrix with this fan-in: min(1, width / fan-in), 1 without scaling. */
  public double rateScale(long fanIn) {
    return learningRateWidth == 0 ? 1 : Math.min(1, learningRateWidth / (double) fanIn);
  }

  /** What the memory planner needs to know of these settings. */
  public Workload workload() {
    return new Workload(computeDtype, batchSize, anchorBatchSize, microBatchSize, maxSequenceLength, anchorLayer,
        trainableFrom, trainableTo, optimizer, adapterRank, recomputeActivations, entrapment, evalBatchSize,
        Math.max(evalMaxNewTokens, CleanseEvaluator.MAX_NEW_TOKENS_CODE));
  }

  /** These settings with the memory settings of a fitted workload. */
  public CleanseSettings withMemorySettings(Workload w, BeearOptions o) {
    double alpha = w.adapterRank() == adapterRank ? adapterAlpha
        : o.adapterAlpha() != null ? o.adapterAlpha() : Math.max(1, w.adapterRank());
    return new CleanseSettings(anchorLayer, perturbationLength, this.alpha, innerSteps, innerLearningRate,
        deltaMaxNorm, anchorWeight, w.optimizer(), learningRate, learningRateWidth, weightDecay, w.trainableFrom(),
        w.trainableTo(),
        w.adapterRank(), alpha, maxEpochs, minEpochs, batchSize, anchorBatchSize, w.microBatchSize(),
        w.recomputeActivations(), maxSequenceLength, earlyStopAsr, entrapment, seed, evalMaxNewTokens,
        w.evalBatchSize(), device, computeDtype, systemPrompt, checks);
  }

  /** The memory settings the caller set, which a fit must leave as they are. */
  public static Set<MemoryPlanner.Knob> fixedKnobs(BeearOptions o) {
    Set<MemoryPlanner.Knob> fixed = EnumSet.noneOf(MemoryPlanner.Knob.class);
    if (o.microBatchSize() != null) {
      fixed.add(MemoryPlanner.Knob.MICRO_BATCH);
    }
    if (o.recomputeActivations() != null) {
      fixed.add(MemoryPlanner.Knob.RECOMPUTE);
    }
    if (o.evalBatchSize() != null) {
      fixed.add(MemoryPlanner.Knob.EVAL_BATCH);
    }
    if (o.optimizer() != null) {
      fixed.add(MemoryPlanner.Knob.OPTIMIZER);
    }
    if (o.adapterRank() != null) {
      fixed.add(MemoryPlanner.Knob.ADAPTERS);
    }
    if (o.trainableFrom() != null || o.trainableTo() != null) {
      fixed.add(MemoryPlanner.Knob.TRAINABLE_RANGE);
    }
    return fixed;
  }

  /**
   * These settings as options with every value spelled out, e.g. to submit a fitted plan's settings as they are.
   * {@code fit} is left out: the values are already the fitted ones.
   */
  public BeearOptions toOptions() {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("anchor_layer", anchorLayer);
    m.put("perturbation_length", perturbationLength);
    m.put("alpha", alpha);
    m.put("inner_steps", innerSteps);
    m.put("inner_learning_rate", innerLearningRate);
    if (deltaMaxNorm != null) {
      m.put("delta_max_norm", deltaMaxNorm);
    }
    m.put("anchor_weight", anchorWeight);
    m.put("optimizer", optimizer.wireName());
    m.put("learning_rate", learningRate);
    m.put("learning_rate_width", learningRateWidth);
    m.put("weight_decay", weightDecay);
    m.put("trainable_from", trainableFrom);
    m.put("trainable_to", trainableTo);
    m.put("adapter_rank", adapterRank);
    m.put("adapter_alpha", adapterAlpha);
    m.put("max_epochs", maxEpochs);
    m.put("min_epochs", minEpochs);
    m.put("batch_size", batchSize);
    m.put("anchor_batch_size", anchorBatchSize);
    m.put("micro_batch_size", microBatchSize);
    m.put("recompute_activations", recomputeActivations);
    m.put("max_sequence_length", maxSequenceLength);
    m.put("early_stop_asr", earlyStopAsr);
    m.put("entrapment", entrapment);
    m.put("seed", seed);
    m.put("eval_max_new_tokens", evalMaxNewTokens);
    m.put("eval_batch_size", evalBatchSize);
    m.put("device", device);
    m.put("compute_dtype", computeDtype);
    if (systemPrompt != null) {
      m.put("system_prompt", systemPrompt);
    }
    m.put("scan", checks.scan());
    m.put("relearn_check", checks.relearn() != null);
    if (checks.relearn() != null) {
      m.put("relearn_k", checks.relearn().sizes());
      m.put("relearn_steps", checks.relearn().steps());
      m.put("relearn_learning_rate", checks.relearn().learningRate());
      m.put("relearn_control", checks.relearnControl());
    }
    return BeearOptions.fromMap(m);
  }
}
