package org.beear.beear;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The cleanse options as a caller sends them (the REST body's {@code options}, the CLI's flags): every field may be
 * null, meaning "the default". They are resolved once, against the model's config and the device, into
 * {@link CleanseSettings}, which is what everything downstream reads; the defaults are documented there.
 * {@link #validate()} lists every value that is wrong whatever the model.
 *
 * <p>Names are the wire names in snake_case ({@code anchor_layer}); the CLI's flags are the same names in
 * kebab-case, built through {@link #fromMap}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
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
    Integer learningRateWidth,
    Double weightDecay,
    Integer trainableFrom,
    Integer trainableTo,
    Integer adapterRank,
    Double adapterAlpha,
    Integer maxEpochs,
    Integer minEpochs,
    Integer batchSize,
    Integer anchorBatchSize,
    Integer microBatchSize,
    Boolean recomputeActivations,
    Integer maxSequenceLength,
    Double earlyStopAsr,
    Boolean entrapment,
    Long seed,
    Integer evalMaxNewTokens,
    Integer evalBatchSize,
    String device,
    String computeDtype,
    String systemPrompt,
    Boolean fit) {

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** All defaults. */
  public static BeearOptions defaults() {
    return fromMap(Map.of());
  }

  /** Options from wire names to values ({@code "max_epochs" -> 2}); an unknown name is an error. */
  public static BeearOptions fromMap(Map<String, ?> values) {
    try {
      return MAPPER.convertValue(values, BeearOptions.class);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid options: " + e.getMessage().split("\n")[0], e);
    }
  }

  /** The options set, by wire name. */
  public Map<String, Object> toMap() {
    return MAPPER.convertValue(this, new com.fasterxml.jackson.core.type.TypeReference<>() {});
  }

  /** These options with the given ones replaced (wire names; a null value resets one to its default). */
  public BeearOptions with(Map<String, ?> changes) {
    Map<String, Object> merged = new java.util.LinkedHashMap<>(toMap());
    changes.forEach((k, v) -> {
      if (v == null) {
        merged.remove(k);
      } else {
        merged.put(k, v);
      }
    });
    return fromMap(merged);
  }

  /** Whether the caller asked the planner to choose memory settings that fit the device. */
  public boolean fitRequested() {
    return Boolean.TRUE.equals(fit);
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
        && minEpochs > (maxEpochs != null ? maxEpochs : CleanseSettings.DEFAULT_MAX_EPOCHS)) {
      errors.add("min_epochs (" + minEpochs + ") is more than max_epochs ("
          + (maxEpochs != null ? maxEpochs : CleanseSettings.DEFAULT_MAX_EPOCHS) + ")");
    }
    positive(errors, "batch_size", batchSize);
    positive(errors, "anchor_batch_size", anchorBatchSize);
    positive(errors, "micro_batch_size", microBatchSize);
    positive(errors, "eval_max_new_tokens", evalMaxNewTokens);
    positive(errors, "eval_batch_size", evalBatchSize);
    positive(errors, "trainable_from", trainableFrom);
    positive(errors, "trainable_to", trainableTo);
    if (adapterRank != null && adapterRank < 0) {
      errors.add("adapter_rank must be 0 (no adapters) or more, got " + adapterRank);
    }
    positiveReal(errors, "adapter_alpha", adapterAlpha);
    if (maxSequenceLength != null && maxSequenceLength < 8) {
      errors.add("max_sequence_length must be at least 8, got " + maxSequenceLength);
    }
    if (maxSequenceLength != null && perturbationLength != null && perturbationLength >= maxSequenceLength) {
      errors.add("perturbation_length (" + perturbationLength + ") must be less than max_sequence_length ("
          + maxSequenceLength + ")");
    }
    nonNegative(errors, "alpha", alpha);
    positiveReal(errors, "inner_learning_rate", innerLearningRate);
    positiveReal(errors, "delta_max_norm", deltaMaxNorm);
    nonNegative(errors, "anchor_weight", anchorWeight);
    positiveReal(errors, "learning_rate", learningRate);
    if (learningRateWidth != null && learningRateWidth < 0) {
      errors.add("learning_rate_width must be 0 (no scaling) or more, got " + learningRateWidth);
    }
    nonNegative(errors, "weight_decay", weightDecay);
    if (earlyStopAsr != null && !(earlyStopAsr >= 0 && earlyStopAsr <= 1)) {
      errors.add("early_stop_asr must be between 0 and 1, got " + earlyStopAsr);
    }
    if (trainableFrom != null && trainableTo != null && trainableFrom > trainableTo) {
      errors.add("trainable_from (" + trainableFrom + ") is after trainable_to (" + trainableTo + ")");
    }
    if (optimizer != null) {
      try {
        org.beear.llm.Optimizer.Kind.parse(optimizer);
      } catch (IllegalArgumentException e) {
        errors.add("optimizer must be adamw, adafactor or sgd, got '" + optimizer + "'");
      }
    }
    if (device != null && !List.of("auto", "cpu", "cuda", "gpu").contains(device)) {
      errors.add("device must be auto, cpu or cuda, got '" + device + "'");
    }
    if (computeDtype != null && !List.of("float32", "float16").contains(computeDtype)) {
      errors.add("compute_dtype must be float32 or float16, got '" + computeDtype + "'"
          + (computeDtype.equals("bfloat16") ? " (DJL 0.35.1 cannot compute in bfloat16; bfloat16 weights are"
          + " loaded as float16 or float32)" : ""));
    }
    if (systemPrompt != null && systemPrompt.length() > CleanseSettings.MAX_SYSTEM_PROMPT_CHARS) {
      errors.add("system_prompt must be at most " + CleanseSettings.MAX_SYSTEM_PROMPT_CHARS + " characters, got "
          + systemPrompt.length());
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
