package org.beear.beear;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.beear.eval.PromptText;

/**
 * The cleanse options as a caller sends them (the REST body's {@code options}, the CLI's flags): every field may be
 * null, meaning "the default". They are resolved once, against the model's config and the device, into
 * {@link CleanseSettings}, which is what everything downstream reads; the defaults are documented there.
 * {@link #validate()} lists every value that is wrong whatever the model.
 *
 * <p>Names are the wire names in snake_case ({@code anchor_layer}); the CLI's flags are the same names in
 * kebab-case, built through {@link #fromMap}.
 *
 * <p>Besides the loop's hyper-parameters, two checks around the cleanse (issue #18), both off by default:
 * {@code scan: true} runs the trigger-free backdoor scan ({@link BackdoorScanner}, built-in calibration) before the
 * cleanse and puts its verdict in report.json's {@code before.scan}; {@code relearn_check: true} fine-tunes copies of
 * the cleansed and the original model on {@code relearn_k} (default 5, 20) of the defender's unwanted pairs
 * ({@code relearn_steps} steps, default 10, at {@code relearn_learning_rate}, default 1e-4) after the cleanse and
 * puts their ASRs in report.json's {@code relearn} ({@link RelearnCheck}); {@code relearn_control: true} also
 * cleanses a control model (no entrapment) and relearns it.
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
    Boolean fit,
    Boolean scan,
    Boolean relearnCheck,
    List<Integer> relearnK,
    Integer relearnSteps,
    Double relearnLearningRate,
    Boolean relearnControl) {

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

  public BeearOptions {
    relearnK = relearnK == null ? null : java.util.Collections.unmodifiableList(new ArrayList<>(relearnK));
  }

  /** Whether the caller asked the planner to choose memory settings that fit the device. */
  public boolean fitRequested() {
    return Boolean.TRUE.equals(fit);
  }

  /*
   * Upper bounds of the options, whatever the model (the README's options table lists them): each far above any
   * useful value, low enough that a careless or hostile value cannot keep a worker busy for months or ask for
   * absurd memory before the planner even looks at it. Bounds that depend on the model (layer indices, its context
   * length) are checked by CleanseSettings.resolve.
   */
  public static final int MAX_LAYER_INDEX = 1024;
  public static final int MAX_PERTURBATION_LENGTH = 512;
  public static final int MAX_STEPS = 1000;
  public static final int MAX_EPOCHS = 1000;
  public static final int MAX_BATCH_SIZE = 4096;
  /** Four times the largest batch: the default anchoring batch of the largest batch. */
  public static final int MAX_ANCHOR_BATCH_SIZE = 4 * MAX_BATCH_SIZE;
  public static final int MAX_MICRO_BATCH_SIZE = 4 * MAX_BATCH_SIZE;
  public static final int MAX_SEQUENCE_LENGTH = 131_072;
  public static final int MAX_NEW_TOKENS = 4096;
  public static final int MAX_ADAPTER_RANK = 1024;
  public static final int MAX_LEARNING_RATE_WIDTH = 1 << 20;
  public static final double MAX_LEARNING_RATE = 1.0;
  public static final double MAX_WEIGHT_DECAY = 1.0;
  /** For the loss weights (alpha, anchor_weight), δ's relative step and bound, and LoRA's α. */
  public static final double MAX_FACTOR = 1000.0;
  /** The relearning check's k: each value is one fine-tune of each model checked. */
  public static final int MAX_RELEARN_SIZES = 8;
  public static final int MAX_RELEARN_K = 1000;

  /** Every problem with the given values, empty when they are all usable. Model-dependent bounds are not checked. */
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    range(errors, "anchor_layer", anchorLayer, 1, MAX_LAYER_INDEX);
    range(errors, "perturbation_length", perturbationLength, 1, MAX_PERTURBATION_LENGTH);
    range(errors, "inner_steps", innerSteps, 1, MAX_STEPS);
    range(errors, "max_epochs", maxEpochs, 1, MAX_EPOCHS);
    range(errors, "min_epochs", minEpochs, 1, MAX_EPOCHS);
    if (minEpochs != null && minEpochs >= 1 && (maxEpochs == null || maxEpochs >= 1)
        && minEpochs > (maxEpochs != null ? maxEpochs : CleanseSettings.DEFAULT_MAX_EPOCHS)) {
      errors.add("min_epochs (" + minEpochs + ") is more than max_epochs ("
          + (maxEpochs != null ? maxEpochs : CleanseSettings.DEFAULT_MAX_EPOCHS) + ")");
    }
    range(errors, "batch_size", batchSize, 1, MAX_BATCH_SIZE);
    range(errors, "anchor_batch_size", anchorBatchSize, 1, MAX_ANCHOR_BATCH_SIZE);
    range(errors, "micro_batch_size", microBatchSize, 1, MAX_MICRO_BATCH_SIZE);
    range(errors, "eval_max_new_tokens", evalMaxNewTokens, 1, MAX_NEW_TOKENS);
    range(errors, "eval_batch_size", evalBatchSize, 1, MAX_BATCH_SIZE);
    range(errors, "trainable_from", trainableFrom, 1, MAX_LAYER_INDEX);
    range(errors, "trainable_to", trainableTo, 1, MAX_LAYER_INDEX);
    if (adapterRank != null && adapterRank < 0) {
      errors.add("adapter_rank must be 0 (no adapters) or more, got " + adapterRank);
    }
    range(errors, "adapter_rank", adapterRank, Integer.MIN_VALUE, MAX_ADAPTER_RANK);
    positiveReal(errors, "adapter_alpha", adapterAlpha, MAX_FACTOR);
    if (maxSequenceLength != null && maxSequenceLength < 8) {
      errors.add("max_sequence_length must be at least 8, got " + maxSequenceLength);
    }
    range(errors, "max_sequence_length", maxSequenceLength, Integer.MIN_VALUE, MAX_SEQUENCE_LENGTH);
    if (maxSequenceLength != null && perturbationLength != null && perturbationLength >= maxSequenceLength) {
      errors.add(perturbationTooLong(perturbationLength, maxSequenceLength));
    }
    nonNegative(errors, "alpha", alpha, MAX_FACTOR);
    positiveReal(errors, "inner_learning_rate", innerLearningRate, MAX_FACTOR);
    positiveReal(errors, "delta_max_norm", deltaMaxNorm, MAX_FACTOR);
    nonNegative(errors, "anchor_weight", anchorWeight, MAX_FACTOR);
    positiveReal(errors, "learning_rate", learningRate, MAX_LEARNING_RATE);
    if (learningRateWidth != null && learningRateWidth < 0) {
      errors.add("learning_rate_width must be 0 (no scaling) or more, got " + learningRateWidth);
    }
    range(errors, "learning_rate_width", learningRateWidth, Integer.MIN_VALUE, MAX_LEARNING_RATE_WIDTH);
    nonNegative(errors, "weight_decay", weightDecay, MAX_WEIGHT_DECAY);
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
    device(errors, device);
    if (computeDtype != null && !List.of("float32", "float16").contains(computeDtype)) {
      errors.add("compute_dtype must be float32 or float16, got '" + computeDtype + "'"
          + (computeDtype.equals("bfloat16") ? " (DJL 0.35.1 cannot compute in bfloat16; bfloat16 weights are"
          + " loaded as float16 or float32)" : ""));
    }
    systemPrompt(errors, systemPrompt);
    validateRelearning(errors);
    return errors;
  }

  /** The relearning check's options: in range, and set only with {@code relearn_check: true} (else unused). */
  private void validateRelearning(List<String> errors) {
    if (relearnK != null) {
      if (relearnK.isEmpty()) {
        errors.add("relearn_k must list at least one k");
      } else if (relearnK.size() > MAX_RELEARN_SIZES) {
        errors.add("relearn_k must list at most " + MAX_RELEARN_SIZES + " values, got " + relearnK.size());
      } else if (relearnK.stream().anyMatch(k -> k == null || k < 1 || k > MAX_RELEARN_K)) {
        errors.add("relearn_k values must be 1 – " + MAX_RELEARN_K + ", got " + relearnK);
      } else if (relearnK.stream().distinct().count() < relearnK.size()) {
        errors.add("relearn_k lists a value twice: " + relearnK);
      }
    }
    range(errors, "relearn_steps", relearnSteps, 1, MAX_STEPS);
    positiveReal(errors, "relearn_learning_rate", relearnLearningRate, MAX_LEARNING_RATE);
    if (!Boolean.TRUE.equals(relearnCheck)) {
      Map<String, Object> unused = new java.util.LinkedHashMap<>();
      unused.put("relearn_k", relearnK);
      unused.put("relearn_steps", relearnSteps);
      unused.put("relearn_learning_rate", relearnLearningRate);
      unused.put("relearn_control", Boolean.TRUE.equals(relearnControl) ? true : null);
      unused.forEach((name, value) -> {
        if (value != null && errors.stream().noneMatch(e -> InvalidOptionsException.option(e).equals(name))) {
          errors.add(name + " is set but relearn_check is not true: set relearn_check to run the relearning check");
        }
      });
    }
  }

  static String perturbationTooLong(int perturbationLength, int maxSequenceLength) {
    return "perturbation_length (" + perturbationLength + ") must be less than max_sequence_length ("
        + maxSequenceLength + ")";
  }

  /** The device, if given, is one beear runs on (shared with {@link ScanOptions}). */
  static void device(List<String> errors, String device) {
    if (device != null && !List.of("auto", "cpu", "cuda", "gpu").contains(device)) {
      errors.add("device must be auto, cpu or cuda, got '" + device + "'");
    }
  }

  /** The system prompt, if given, is not longer than a cleanse or scan accepts, and is text a prompt may hold. */
  static void systemPrompt(List<String> errors, String systemPrompt) {
    if (systemPrompt != null && systemPrompt.length() > CleanseSettings.MAX_SYSTEM_PROMPT_CHARS) {
      errors.add("system_prompt must be at most " + CleanseSettings.MAX_SYSTEM_PROMPT_CHARS + " characters, got "
          + systemPrompt.length());
      return;
    }
    String controlCharacter = PromptText.controlCharacterProblem(systemPrompt);
    if (controlCharacter != null) {
      errors.add("system_prompt " + controlCharacter);
    }
  }

  /** A lower-bound violation is reported as "at least", an upper one as "at most"; one message per value. */
  static void range(List<String> errors, String name, Integer v, int min, int max) {
    if (v == null) {
      return;
    }
    if (v < min) {
      errors.add(name + " must be at least " + min + ", got " + v);
    } else if (v > max) {
      errors.add(name + " must be at most " + max + ", got " + v);
    }
  }

  private static void positiveReal(List<String> errors, String name, Double v, double max) {
    if (v != null && !(v > 0 && Double.isFinite(v))) {
      errors.add(name + " must be a positive number, got " + v);
    } else if (v != null && v > max) {
      errors.add(name + " must be at most " + max + ", got " + v);
    }
  }

  private static void nonNegative(List<String> errors, String name, Double v, double max) {
    if (v != null && !(v >= 0 && Double.isFinite(v))) {
      errors.add(name + " must be zero or more, got " + v);
    } else if (v != null && v > max) {
      errors.add(name + " must be at most " + max + ", got " + v);
    }
  }
}
