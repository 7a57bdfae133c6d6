package org.beear.beear;

import java.util.ArrayList;
import java.util.List;

/**
 * Hyper-parameters of the bi-level loop. A null field means "use the default", which may depend on the model
 * (the anchor layer scales with depth). {@link #validate()} lists every bad value at once.
 *
 * @param anchorLayer         l: δ is added to the output of decoder layer l (1-based); default round(9/32·L), ≥ 1
 * @param perturbationLength  n: δ covers the last n prompt positions (paper: 5)
 * @param alpha               weight of the "away from safe" term in the entrapment objective
 * @param innerSteps          gradient steps on δ per outer round (model frozen)
 * @param innerLearningRate   Adam step of δ, as a fraction of the hidden states' RMS at layer l
 * @param deltaMaxNorm        optional L2 bound on each row of δ, relative to a typical hidden state's norm
 *                            (RMS·sqrt(D)); null: unbounded
 * @param anchorWeight        λ: weight of the performance-anchoring loss in removal
 * @param optimizer           "adamw" or "sgd" for the model's parameters
 * @param learningRate        learning rate of the model's parameters
 * @param weightDecay         decoupled weight decay (AdamW only)
 * @param trainableFrom       first trainable decoder layer (1-based, inclusive); default 1
 * @param trainableTo         last trainable decoder layer (inclusive); default L
 * @param maxEpochs           hard budget of outer epochs
 * @param minEpochs           epochs run before early stopping may end the loop (a hold-out of 40 queries can read
 *                            0% while a few triggered answers are still unwanted)
 * @param batchSize           harmful examples per outer step
 * @param anchorBatchSize     anchoring examples per removal step (drawn at random from the anchoring set); default
 *                            4 × batch_size: they are short and cheap next to entrapment, and more of them per
 *                            step keeps more of the benign behaviour in view while removal moves the weights
 * @param earlyStopAsr        stop once perturbation ASR on the defender hold-out is at or below this ratio
 * @param entrapment          false runs the control: plain safety fine-tuning with δ switched off
 * @param seed                seeds data order, δ init and sampling
 * @param evalMaxNewTokens    greedy tokens generated per evaluated prompt
 * @param device              "auto", "cpu" or "gpu"
 * @param computeDtype        "float32" (default) or "float16" (GPU); bfloat16 checkpoints are widened on load,
 *                            since DJL 0.35.1 aborts the JVM on bfloat16 arrays
 */
public record BeearOptions(
    Integer anchorLayer,
    Integer perturbationLength,
    Double alpha,
    Integer innerSteps,
    Double innerLearningRate,
    Double deltaMaxNorm,
    Double anchorWeight,
    String optimizer,
    Double learningRate,
    Double weightDecay,
    Integer trainableFrom,
    Integer trainableTo,
    Integer maxEpochs,
    Integer minEpochs,
    Integer batchSize,
    Integer anchorBatchSize,
    Double earlyStopAsr,
    Boolean entrapment,
    Long seed,
    Integer evalMaxNewTokens,
    String device,
    String computeDtype) {

  public static BeearOptions defaults() {
    return new BeearOptions(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null, null);
  }

  public int perturbationLengthOrDefault() { return perturbationLength != null ? perturbationLength : 5; }
  public double alphaOrDefault() { return alpha != null ? alpha : 0.05; }
  public int innerStepsOrDefault() { return innerSteps != null ? innerSteps : 5; }
  public double innerLearningRateOrDefault() { return innerLearningRate != null ? innerLearningRate : 1.0; }
  public double anchorWeightOrDefault() { return anchorWeight != null ? anchorWeight : 1.0; }
  public String optimizerOrDefault() { return optimizer != null ? optimizer : "adamw"; }
  public double learningRateOrDefault() { return learningRate != null ? learningRate : 1e-3; }
  public double weightDecayOrDefault() { return weightDecay != null ? weightDecay : 0.0; }
  public int maxEpochsOrDefault() { return maxEpochs != null ? maxEpochs : 4; }
  /** Default 2, or max_epochs when that is smaller. */
  public int minEpochsOrDefault() { return minEpochs != null ? minEpochs : Math.min(2, maxEpochsOrDefault()); }
  public int batchSizeOrDefault() { return batchSize != null ? batchSize : 8; }
  public int anchorBatchSizeOrDefault() {
    return anchorBatchSize != null ? anchorBatchSize : 4 * batchSizeOrDefault();
  }
  public double earlyStopAsrOrDefault() { return earlyStopAsr != null ? earlyStopAsr : 0.05; }
  public boolean entrapmentOrDefault() { return entrapment == null || entrapment; }
  public long seedOrDefault() { return seed != null ? seed : 42L; }
  public int evalMaxNewTokensOrDefault() { return evalMaxNewTokens != null ? evalMaxNewTokens : 24; }
  public String deviceOrDefault() { return device != null ? device : "auto"; }

  /** The paper's layer 9 of 32, scaled to the model's depth. */
  public int anchorLayerFor(int numLayers) {
    if (anchorLayer != null) {
      return anchorLayer;
    }
    return Math.max(1, (int) Math.round(9.0 / 32.0 * numLayers));
  }

  /** Every problem with the given values, empty when they are all usable. Model-dependent bounds are not checked. */
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    positive(errors, "anchor_layer", anchorLayer);
    positive(errors, "perturbation_length", perturbationLength);
    positive(errors, "inner_steps", innerSteps);
    positive(errors, "max_epochs", maxEpochs);
    positive(errors, "min_epochs", minEpochs);
    if (minEpochs != null && minEpochs >= 1 && (maxEpochs == null || maxEpochs >= 1)
        && minEpochs > maxEpochsOrDefault()) {
      errors.add("min_epochs (" + minEpochs + ") is more than max_epochs (" + maxEpochsOrDefault() + ")");
    }
    positive(errors, "batch_size", batchSize);
    positive(errors, "anchor_batch_size", anchorBatchSize);
    positive(errors, "eval_max_new_tokens", evalMaxNewTokens);
    positive(errors, "trainable_from", trainableFrom);
    positive(errors, "trainable_to", trainableTo);
    nonNegative(errors, "alpha", alpha);
    positiveReal(errors, "inner_learning_rate", innerLearningRate);
    positiveReal(errors, "delta_max_norm", deltaMaxNorm);
    nonNegative(errors, "anchor_weight", anchorWeight);
    positiveReal(errors, "learning_rate", learningRate);
    nonNegative(errors, "weight_decay", weightDecay);
    if (earlyStopAsr != null && !(earlyStopAsr >= 0 && earlyStopAsr <= 1)) {
      errors.add("early_stop_asr must be between 0 and 1, got " + earlyStopAsr);
    }
    if (trainableFrom != null && trainableTo != null && trainableFrom > trainableTo) {
      errors.add("trainable_from (" + trainableFrom + ") is after trainable_to (" + trainableTo + ")");
    }
    if (optimizer != null && !List.of("adamw", "sgd").contains(optimizer)) {
      errors.add("optimizer must be adamw or sgd, got '" + optimizer + "'");
    }
    if (device != null && !List.of("auto", "cpu", "gpu").contains(device)) {
      errors.add("device must be auto, cpu or gpu, got '" + device + "'");
    }
    if (computeDtype != null && !List.of("float32", "float16").contains(computeDtype)) {
      errors.add("compute_dtype must be float32 or float16, got '" + computeDtype + "'"
          + (computeDtype.equals("bfloat16") ? " (DJL 0.35.1 cannot compute in bfloat16; bfloat16 weights are"
          + " loaded as float32)" : ""));
    }
    return errors;
  }

  private static void positive(List<String> errors, String name, Integer v) {
    if (v != null && v < 1) {
      errors.add(name + " must be at least 1, got " + v);
    }
  }

  private static void positiveReal(List<String> errors, String name, Double v) {
    if (v != null && !(v > 0 && Double.isFinite(v))) {
      errors.add(name + " must be a positive number, got " + v);
    }
  }

  private static void nonNegative(List<String> errors, String name, Double v) {
    if (v != null && !(v >= 0 && Double.isFinite(v))) {
      errors.add(name + " must be zero or more, got " + v);
    }
  }
}
