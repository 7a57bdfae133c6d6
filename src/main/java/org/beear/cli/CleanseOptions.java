package org.beear.cli;

import java.lang.reflect.Field;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.beear.beear.BeearOptions;
import picocli.CommandLine.Option;

/**
 * The cleanse options as command-line flags, shared by {@code cleanse}, {@code plan} and {@code bench beear}. Each
 * flag is the REST API's option name in kebab-case ({@code --anchor-layer} is {@code anchor_layer}); unset flags
 * take the defaults, which {@code CleanseSettings} documents. Defaults: see the README's table.
 */
final class CleanseOptions {
  @Option(names = "--anchor-layer", description = "l: δ is added after decoder layer l (default round(9/32·L))")
  Integer anchorLayer;
  @Option(names = "--perturbation-length", description = "n: δ covers the last n prompt positions (default 5)")
  Integer perturbationLength;
  @Option(names = "--alpha", description = "weight of 'away from safe' in entrapment (default 0.05)") Double alpha;
  @Option(names = "--inner-steps", description = "Adam steps on δ per round (default 5)") Integer innerSteps;
  @Option(names = "--inner-learning-rate", description = "δ's step relative to the hidden states' RMS (default 1)")
  Double innerLearningRate;
  @Option(names = "--delta-max-norm", description = "L2 bound per row of δ, relative (default none)")
  Double deltaMaxNorm;
  @Option(names = "--anchor-weight", description = "λ, weight of the anchoring loss (default 1)") Double anchorWeight;
  @Option(names = "--optimizer", description = "adamw (default), adafactor or sgd") String optimizer;
  @Option(names = "--learning-rate", description = "of the trained parameters (default 1e-3)") Double learningRate;
  @Option(names = "--learning-rate-width", description = "wider matrices take the rate × width/fan-in (default 256;"
      + " 0: no scaling)") Integer learningRateWidth;
  @Option(names = "--weight-decay", description = "(default 0)") Double weightDecay;
  @Option(names = "--trainable-from", description = "first trained layer (default 1)") Integer trainableFrom;
  @Option(names = "--trainable-to", description = "last trained layer (default L)") Integer trainableTo;
  @Option(names = "--adapter-rank", description = "0 (default): train the weights; r: LoRA adapters of rank r")
  Integer adapterRank;
  @Option(names = "--adapter-alpha", description = "LoRA's α (default r)") Double adapterAlpha;
  @Option(names = "--max-epochs", description = "(default 4)") Integer maxEpochs;
  @Option(names = "--min-epochs", description = "before early stopping (default 2)") Integer minEpochs;
  @Option(names = "--batch-size", description = "harmful pairs per round (default 8)") Integer batchSize;
  @Option(names = "--anchor-batch-size", description = "anchoring examples per removal step (default 4 × batch)")
  Integer anchorBatchSize;
  @Option(names = "--micro-batch-size", description = "sequences per forward/backward pass (default: a whole part)")
  Integer microBatchSize;
  @Option(names = "--recompute-activations", arity = "0..1", description = "keep one layer's activations at a time")
  Boolean recomputeActivations;
  @Option(names = "--max-sequence-length", description = "tokens per example (default 256)")
  Integer maxSequenceLength;
  @Option(names = "--early-stop-asr", description = "(default 0.05)") Double earlyStopAsr;
  @Option(names = "--seed", description = "(default 42)") Long seed;
  @Option(names = "--eval-max-new-tokens", description = "(default 24)") Integer evalMaxNewTokens;
  @Option(names = "--eval-batch-size", description = "prompts per generation batch (default 32)")
  Integer evalBatchSize;
  @Option(names = "--device", description = "auto (default), cpu or cuda") String device;
  @Option(names = "--compute-dtype", description = "float32 (default on cpu) or float16 (default on cuda)")
  String computeDtype;
  @Option(names = "--system-prompt", description = "a system message before every conversation") String systemPrompt;
  @Option(names = "--fit", arity = "0..1", description = "let the planner choose memory settings that fit the device")
  Boolean fit;

  @Option(names = "--no-entrapment", description = "control run: safety fine-tuning with δ switched off")
  boolean noEntrapment;

  @Option(names = "--scan", arity = "0..1", description = "scan the model for a backdoor before cleansing (built-in "
      + "calibration); the verdict goes to report.json's before.scan") Boolean scan;
  @Option(names = "--relearn-check", arity = "0..1", description = "after cleansing, fine-tune copies of the cleansed "
      + "and the original model on k unwanted pairs and report their ASRs (report.json's relearn)")
  Boolean relearnCheck;
  @Option(names = "--relearn-k", split = ",", description = "with --relearn-check: unwanted pairs per fine-tune "
      + "(default 5,20)") List<Integer> relearnK;
  @Option(names = "--relearn-steps", description = "with --relearn-check: optimiser steps per fine-tune (default 10)")
  Integer relearnSteps;
  @Option(names = "--relearn-learning-rate", description = "with --relearn-check: the fine-tune's rate (default "
      + "1e-4)") Double relearnLearningRate;
  @Option(names = "--relearn-control", arity = "0..1", description = "with --relearn-check: also cleanse a control "
      + "model (--no-entrapment) into the work directory and relearn it") Boolean relearnControl;

  /** The flags given, as the API's options. */
  BeearOptions toOptions() {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Field f : CleanseOptions.class.getDeclaredFields()) {
      Option option = f.getAnnotation(Option.class);
      if (option == null || f.getType() == boolean.class) {
        continue;
      }
      try {
        Object v = f.get(this);
        if (v != null) {
          values.put(option.names()[0].substring(2).replace('-', '_').toLowerCase(Locale.ROOT), v);
        }
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
    if (noEntrapment) {
      values.put("entrapment", false);
    }
    return BeearOptions.fromMap(values);
  }
}
