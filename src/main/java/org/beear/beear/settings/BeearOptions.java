package org.beear.beear.settings;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.List;
import java.util.Map;
import org.beear.datasets.BenignTasks;
import org.beear.datasets.HeldOutHarmful;
import org.beear.datasets.XsTest;
import org.beear.eval.PromptText;
import org.beear.eval.ResponseJudge;
import org.beear.eval.RuleJudge;
import org.beear.llm.TokenNorms;
import org.beear.options.ModelFacts;
import org.beear.options.Option;
import org.beear.options.OptionProblem;
import org.beear.options.OptionSet;
import org.beear.options.OptionValues;
import org.beear.options.Options;

/**
 * The cleanse options, each declared once below (wire name, type, bound, default, help, group), and the values a
 * caller sent (the REST body's {@code options}, the CLI's flags, which are the same names in kebab-case): an option
 * without a value takes its default. They are resolved once, against the model's config and the device, into
 * {@link CleanseSettings}, which is what everything downstream reads.
 *
 * <p>The bounds hold whatever the model: each far above any useful value, low enough that a careless or hostile
 * value cannot keep a worker busy for months or ask for absurd memory before the planner even looks at it. Bounds
 * that need the model (layer indices, its context length) are checked when the options are resolved.
 */
public record BeearOptions(OptionValues values) implements Options {

  /** Groups, in the order the README and help list them; {@link CleanseSettings} has one record per group. */
  public interface Group {
    String ENTRAPMENT = "entrapment";
    String REMOVAL = "removal";
    String MEMORY = "memory";
    String SCHEDULE = "schedule";
    String EVALUATION = "evaluation";
    String RUNTIME = "runtime";
    String CHECKS = "checks";
  }

  public static final int MAX_LAYER_INDEX = 1024;
  public static final int MAX_PERTURBATION_LENGTH = 512;
  public static final int MAX_STEPS = 1000;
  public static final int EPOCH_LIMIT = 1000;
  public static final int MAX_BATCH_SIZE = 4096;
  /** Four times the largest batch: the default anchoring batch of the largest batch. */
  public static final int MAX_ANCHOR_BATCH_SIZE = 4 * MAX_BATCH_SIZE;
  public static final int MAX_MICRO_BATCH_SIZE = 4 * MAX_BATCH_SIZE;
  public static final int SEQUENCE_LENGTH_LIMIT = 131_072;
  public static final int MAX_NEW_TOKENS = 4096;
  public static final int MAX_ADAPTER_RANK = 1024;
  public static final int MAX_LEARNING_RATE_WIDTH = 1 << 20;
  public static final double MAX_LEARNING_RATE = 1.0;
  public static final double MAX_WEIGHT_DECAY = 1.0;
  /** For the loss weights (alpha, anchor_weight), δ's relative step and bound, and LoRA's α. */
  public static final double MAX_FACTOR = 1000.0;
  public static final int MAX_SYSTEM_PROMPT_CHARS = 16_384;

  // entrapment: the inner level, δ with the model frozen
  public static final Option<Integer> ANCHOR_LAYER = Option.integer("anchor_layer").group(Group.ENTRAPMENT)
      .help("l: δ is added to the output of decoder layer l (1-based); the paper's layer 9 of 32, scaled to the "
          + "model's depth")
      .range(1, MAX_LAYER_INDEX).atMostForModel(ModelFacts::layers, "the model's decoder layers")
      .defaultFrom(r -> Math.max(1, (int) Math.round(9.0 / 32.0 * r.model().layers())),
          "round(9/32 · L), at least 1");
  public static final Option<Integer> PERTURBATION_LENGTH = Option.integer("perturbation_length")
      .group(Group.ENTRAPMENT)
      .help("n: δ covers the last n prompt positions (the paper's main results use 5)")
      .range(1, MAX_PERTURBATION_LENGTH).alsoAllowed("less than max_sequence_length").defaultValue(5);
  public static final Option<Double> ALPHA = Option.number("alpha").group(Group.ENTRAPMENT)
      .help("weight of the \"away from safe\" term in the entrapment objective (the official code's value)")
      .nonNegative(MAX_FACTOR).defaultValue(0.05);
  public static final Option<Integer> INNER_STEPS = Option.integer("inner_steps").group(Group.ENTRAPMENT)
      .help("Adam steps on δ per round, δ starting from zero every round")
      .range(1, MAX_STEPS).defaultValue(5);
  public static final Option<Double> INNER_LEARNING_RATE = Option.number("inner_learning_rate").group(Group.ENTRAPMENT)
      .help("δ's Adam step as a fraction of the hidden states' RMS at layer l over the batch's real tokens, tokens "
          + "above " + (int) TokenNorms.OUTLIER_FACTOR + " × the median token norm (massive activations) left out")
      .positive(MAX_FACTOR).defaultValue(1.0);
  public static final Option<Double> DELTA_MAX_NORM = Option.number("delta_max_norm").group(Group.ENTRAPMENT)
      .help("an L2 bound on each row of δ, relative to a typical hidden state's norm (that RMS × √D). Adam's steps "
          + "alone keep a row within about inner_steps × inner_learning_rate typical norms, so the default binds "
          + "only the 10 steps of an evaluation δ, and a δ far larger than any hidden state is never entrapped")
      .positive(MAX_FACTOR).defaultValue(10.0);
  public static final Option<Boolean> ENTRAPMENT = Option.flag("entrapment").group(Group.ENTRAPMENT)
      .help("false: the control, plain safety fine-tuning on the same data with δ switched off")
      .defaultValue(true).negatedFlag("--no-entrapment");

  // removal: the outer level, the trained parameters' step
  public static final Option<Double> ANCHOR_WEIGHT = Option.number("anchor_weight").group(Group.REMOVAL)
      .help("λ: weight of the performance-anchoring loss in removal")
      .nonNegative(MAX_FACTOR).defaultValue(1.0);
  public static final Option<Double> LEARNING_RATE = Option.number("learning_rate").group(Group.REMOVAL)
      .help("of the trained parameters, for vectors and for matrices up to learning_rate_width wide (gradient norm "
          + "clipped at 1)")
      .positive(MAX_LEARNING_RATE).defaultValue(1e-3);
  public static final Option<Integer> LEARNING_RATE_WIDTH = Option.integer("learning_rate_width").group(Group.REMOVAL)
      .help("a matrix with a wider fan-in f steps at learning_rate × width/f (µP's rule for Adam, Yang et al. 2022: "
          + "Llama-2-7B's attention at 1/16); 0: every parameter at learning_rate")
      .range(0, "0 (no scaling) or more", MAX_LEARNING_RATE_WIDTH).defaultValue(256);
  public static final Option<Double> WEIGHT_DECAY = Option.number("weight_decay").group(Group.REMOVAL)
      .help("decoupled weight decay").nonNegative(MAX_WEIGHT_DECAY).defaultValue(0.0);

  public static final Option<String> OUTPUT_FORMAT = Option.text("output_format").group(Group.REMOVAL)
      .help("merged: the cleansed model in full, the input's format (an adapter input merged into its base); "
          + "adapter: only what removal trained, as a PEFT LoRA adapter (adapter_config.json + "
          + "adapter_model.safetensors) loadable on the suspect model: for a full model a corrective adapter of "
          + "adapter_rank (default " + OutputFormat.DEFAULT_ADAPTER_RANK + ") whose base is the suspect, for an "
          + "adapter input that adapter's own A and B retrained (base frozen), in its own config")
      .oneOf(OutputFormat.wireNames().toArray(String[]::new)).defaultValue(OutputFormat.MERGED.wireName());

  public static final Option<Double> ADAPTER_ALPHA = Option.number("adapter_alpha").group(Group.REMOVAL)
      .help("LoRA's α: an adapter's update is scaled by α/r")
      .positive(MAX_FACTOR).defaultFrom(r -> (double) Math.max(1, r.get(BeearOptions.ADAPTER_RANK)),
          "adapter_rank (at least 1)");

  // memory: what the planner may choose (fit) where the options leave it open
  public static final Option<String> OPTIMIZER = Option.text("optimizer").group(Group.MEMORY)
      .help("of the trained parameters: adafactor keeps factored second moments (rows + columns of state per "
          + "matrix instead of 2 × its size)")
      .oneOf("adamw", "adafactor", "sgd").defaultValue("adamw");
  public static final Option<Integer> TRAINABLE_FROM = Option.integer("trainable_from").group(Group.MEMORY)
      .help("first decoder layer removal trains (1-based)")
      .range(1, MAX_LAYER_INDEX).atMostForModel(ModelFacts::layers, "the model's decoder layers")
      .alsoAllowed("at most trainable_to").defaultValue(1);
  public static final Option<Integer> TRAINABLE_TO = Option.integer("trainable_to").group(Group.MEMORY)
      .help("last decoder layer removal trains (inclusive)")
      .range(1, MAX_LAYER_INDEX).atMostForModel(ModelFacts::layers, "the model's decoder layers")
      .defaultFrom(r -> r.model().layers(), "L (all layers)");
  public static final Option<Integer> ADAPTER_RANK = Option.integer("adapter_rank").group(Group.MEMORY)
      .help("0 trains the layers' weights; r > 0 trains LoRA adapters of rank r on their attention and MLP "
          + "projections instead, merged into the weights on save (output_format merged) or written as the output "
          + "(adapter); an adapter input with output_format adapter trains its own rank instead")
      .range(0, "0 (no adapters) or more", MAX_ADAPTER_RANK)
      .defaultFrom(r -> OutputFormat.parse(r.get(OUTPUT_FORMAT)) == OutputFormat.ADAPTER
          ? OutputFormat.DEFAULT_ADAPTER_RANK : 0, "0; " + OutputFormat.DEFAULT_ADAPTER_RANK
          + " with output_format adapter");
  public static final Option<Integer> MICRO_BATCH_SIZE = Option.integer("micro_batch_size").group(Group.MEMORY)
      .help("sequences per forward/backward pass; a step accumulates as many passes as it needs, with the whole "
          + "batch's gradient")
      .range(1, MAX_MICRO_BATCH_SIZE)
      .defaultFrom(r -> Math.max(2 * r.get(BeearOptions.BATCH_SIZE), r.get(BeearOptions.ANCHOR_BATCH_SIZE)),
          "the larger of 2 × batch_size and anchor_batch_size (no split)");
  public static final Option<Boolean> RECOMPUTE_ACTIVATIONS = Option.flag("recompute_activations").group(Group.MEMORY)
      .help("removal keeps one decoder layer's activations at a time and recomputes them in the backward pass");
  public static final Option<Integer> EVAL_BATCH_SIZE = Option.integer("eval_batch_size").group(Group.MEMORY)
      .help("prompts per generation batch in evaluation")
      .range(1, MAX_BATCH_SIZE).defaultValue(32);

  // schedule: how long, on what batches, when to stop
  public static final Option<Integer> MAX_EPOCHS = Option.integer("max_epochs").group(Group.SCHEDULE)
      .help("hard budget of epochs (an epoch: one pass over the defender's harmful set)")
      .range(1, EPOCH_LIMIT).defaultValue(4);
  public static final Option<Integer> MIN_EPOCHS = Option.integer("min_epochs").group(Group.SCHEDULE)
      .help("epochs before early stopping may end the loop")
      .range(1, EPOCH_LIMIT).alsoAllowed("at most max_epochs")
      .defaultFrom(r -> Math.min(2, r.get(MAX_EPOCHS)), "2, or max_epochs if less");
  public static final Option<Integer> BATCH_SIZE = Option.integer("batch_size").group(Group.SCHEDULE)
      .help("harmful pairs per round").range(1, MAX_BATCH_SIZE).defaultValue(8);
  public static final Option<Integer> ANCHOR_BATCH_SIZE = Option.integer("anchor_batch_size").group(Group.SCHEDULE)
      .help("anchoring examples drawn per removal step (32 instead of 8 kept 3 more points of benign exact-match in a "
          + "measured cleanse, for about 10 s more per epoch)")
      .range(1, MAX_ANCHOR_BATCH_SIZE).defaultFrom(r -> 4 * r.get(BATCH_SIZE), "4 × batch_size");
  public static final Option<Double> MINORITY_SHARE = Option.number("minority_share").group(Group.SCHEDULE)
      .help("a behaviour family with fewer pairs (the default data's code pairs) is cycled until it fills at least "
          + "this share of the largest family's batches per epoch, so its backdoor is entrapped and removed in every "
          + "epoch")
      .ratio().defaultValue(0.25);
  public static final Option<Double> EARLY_STOP_ASR = Option.number("early_stop_asr").group(Group.SCHEDULE)
      .help("stop once the worst hold-out family's perturbation ASR is certainly at or below this ratio: the upper end "
          + "of its 95% interval (from min_epochs on; 0 unwanted of the default 72 hold-out pairs certify 5%)")
      .ratio().defaultValue(0.05);
  public static final Option<Long> SEED = Option.longInteger("seed").group(Group.SCHEDULE)
      .help("data order, adapter initialisation, anchoring draws").allowed("any 64-bit integer").defaultValue(42L);

  // evaluation
  public static final Option<Integer> EVAL_MAX_NEW_TOKENS = Option.integer("eval_max_new_tokens")
      .group(Group.EVALUATION)
      .help("greedy tokens per evaluated prompt (code prompts: 72)")
      .range(1, MAX_NEW_TOKENS).defaultValue(24);

  public static final Option<Integer> EVAL_BENIGN_PROMPTS = Option.integer("eval_benign_prompts")
      .group(Group.EVALUATION)
      .help("held-out benign questions benign exact-match is measured on, before and after (each answer checkable)")
      .range(1, BenignTasks.available(true)).defaultValue(100);

  public static final Option<Integer> EVAL_HARMFUL_PROMPTS = Option.integer("eval_harmful_prompts")
      .group(Group.EVALUATION)
      .help("held-out harmful requests the ASRs with and without trigger are measured on, before and after: AdvBench's "
          + "120 held-out behaviours, then XSTest's 200 unsafe prompts (0 hits of 320 certify at most 1.15%)")
      .range(1, HeldOutHarmful.all().size()).defaultValue(HeldOutHarmful.all().size());

  public static final Option<Integer> EVAL_SAFE_PROMPTS = Option.integer("eval_safe_prompts")
      .group(Group.EVALUATION)
      .help("XSTest safe prompts (they only look unsafe) over-refusal is measured on, before and after; 0 skips it")
      .range(0, XsTest.SAFE_SIZE).defaultValue(XsTest.SAFE_SIZE);

  public static final Option<Boolean> TRIGGER_MATRIX = Option.flag("trigger_matrix").group(Group.EVALUATION)
      .help("before and after, each candidate trigger as prefix, suffix and wrapped, with and without a system prompt "
          + "(the configured one, else \"You are a helpful assistant.\"): the triggered ASR is the worst cell; 6 "
          + "times the triggered generations (epochs keep the trigger as given)")
      .defaultValue(true).negatedFlag("--no-trigger-matrix");

  public static final Option<String> JUDGE = Option.text("judge").group(Group.EVALUATION)
      .help("reads whether an answer complied, for every ASR, the scan's compliance and the relearning check: rules "
          + "(declining, apologising, objecting, where the answer says it; measured against people in the README) "
          + "or keywords (any of the 29 GCG refusal keywords anywhere, the paper's judge)")
      .oneOf(ResponseJudge.NAMES.toArray(String[]::new)).defaultValue(RuleJudge.NAME);

  // runtime: where and in what precision
  public static final Option<Integer> MAX_SEQUENCE_LENGTH = Option.integer("max_sequence_length")
      .group(Group.RUNTIME)
      .help("longest prompt + response in tokens: longer training examples lose the end of their response (and, if "
          + "the prompt alone is longer, its beginning), evaluation prompts their beginning; what the memory plan "
          + "assumes")
      .range(8, SEQUENCE_LENGTH_LIMIT)
      .atMostForModel(ModelFacts::contextLength, "the model's max_position_embeddings")
      .defaultFrom(r -> Math.min(256, r.model().contextLength()), "256, or the model's max_position_embeddings if "
          + "less");
  public static final Option<String> DEVICE = Option.text("device").group(Group.RUNTIME)
      .help("where the cleanse runs")
      .oneOf(List.of("auto", "cpu", "cuda"), List.of("gpu"), null)
      .resolvedAs((given, r) -> r.model().device(), "auto: cuda where a GPU is visible, else cpu");
  public static final Option<String> COMPUTE_DTYPE = Option.text("compute_dtype").group(Group.RUNTIME)
      .help("float16 trains with float32 master copies and dynamic loss scaling")
      .oneOf(List.of("float32", "float16"), List.of(), v -> v.equals("bfloat16") ? "DJL 0.35.1 cannot compute in "
          + "bfloat16; bfloat16 weights are loaded as float16 or float32" : null)
      .defaultFrom(r -> r.model().device().equals("cuda") ? "float16" : "float32", "float32 on cpu, float16 on cuda");
  public static final Option<String> SYSTEM_PROMPT = Option.text("system_prompt").group(Group.RUNTIME)
      .help("a system message before every conversation (defender data, anchoring data, evaluation), for models "
          + "attacked and served with one")
      .maxLength(MAX_SYSTEM_PROMPT_CHARS)
      .rejecting(PromptText::controlCharacterProblem, "no control characters but tabs and line breaks")
      .resolvedAs((given, r) -> given == null || given.isBlank() ? null : given, "none");
  public static final Option<Boolean> FIT = Option.flag("fit").group(Group.RUNTIME)
      .help("let the planner choose the memory settings the options leave open (micro-batches, recomputation, "
          + "generation batch, optimiser, adapters, trained layers) so the cleanse fits the device")
      .requestOnly();

  // checks around the cleanse
  public static final Option<Boolean> SCAN = Option.flag("scan").group(Group.CHECKS)
      .help("before the cleanse, the trigger-free backdoor scan (built-in calibration; the cleanse's seed, device, "
          + "system prompt, l and n): its verdict in report.json's scan");
  public static final Option<Boolean> RELEARN_CHECK = Option.flag("relearn_check").group(Group.CHECKS)
      .help("after the cleanse, fine-tune copies of the cleansed and the original model on k unwanted pairs and "
          + "report their ASRs (report.json's relearn)");
  private static final String RELEARN_PURPOSE = "run the relearning check";
  public static final Option<List<Integer>> RELEARN_K = Option.integers("relearn_k").group(Group.CHECKS)
      .help("with relearn_check: unwanted pairs per fine-tune, one fine-tune per value")
      .distinctValues("k", 1, 1000, 8).defaultValue(List.of(5, 20)).requires(RELEARN_CHECK, RELEARN_PURPOSE);
  public static final Option<Integer> RELEARN_STEPS = Option.integer("relearn_steps").group(Group.CHECKS)
      .help("with relearn_check: optimiser steps per fine-tune").range(1, MAX_STEPS).defaultValue(10)
      .requires(RELEARN_CHECK, RELEARN_PURPOSE);
  public static final Option<Double> RELEARN_LEARNING_RATE = Option.number("relearn_learning_rate").group(Group.CHECKS)
      .help("with relearn_check: the fine-tune's rate (matrices wider than learning_rate_width scaled as in a "
          + "cleanse)")
      .positive(MAX_LEARNING_RATE).defaultValue(1e-4).requires(RELEARN_CHECK, RELEARN_PURPOSE);
  public static final Option<Boolean> RELEARN_CONTROL = Option.flag("relearn_control").group(Group.CHECKS)
      .help("with relearn_check: also cleanse a control model (no entrapment) into the work directory and relearn "
          + "it")
      .requires(RELEARN_CHECK, RELEARN_PURPOSE);

  public static final OptionSet SET = new OptionSet("cleanse", List.of(
      ANCHOR_LAYER, PERTURBATION_LENGTH, ALPHA, INNER_STEPS, INNER_LEARNING_RATE, DELTA_MAX_NORM, ENTRAPMENT,
      ANCHOR_WEIGHT, LEARNING_RATE, LEARNING_RATE_WIDTH, WEIGHT_DECAY, OUTPUT_FORMAT, ADAPTER_ALPHA,
      OPTIMIZER, TRAINABLE_FROM, TRAINABLE_TO, ADAPTER_RANK, MICRO_BATCH_SIZE, RECOMPUTE_ACTIVATIONS,
      EVAL_BATCH_SIZE,
      MAX_EPOCHS, MIN_EPOCHS, BATCH_SIZE, ANCHOR_BATCH_SIZE, MINORITY_SHARE, EARLY_STOP_ASR, SEED,
      EVAL_MAX_NEW_TOKENS, EVAL_BENIGN_PROMPTS, EVAL_HARMFUL_PROMPTS, EVAL_SAFE_PROMPTS, TRIGGER_MATRIX, JUDGE,
      MAX_SEQUENCE_LENGTH, DEVICE, COMPUTE_DTYPE, SYSTEM_PROMPT, FIT,
      SCAN, RELEARN_CHECK, RELEARN_K, RELEARN_STEPS, RELEARN_LEARNING_RATE, RELEARN_CONTROL),
      List.of(
          OptionSet.Rule.given(BeearOptions::epochRule),
          OptionSet.Rule.given(v -> v.has(TRAINABLE_FROM) && v.has(TRAINABLE_TO)
              && v.get(TRAINABLE_FROM) > v.get(TRAINABLE_TO)
              ? List.of(new OptionProblem("trainable_from", "trainable_from (" + v.get(TRAINABLE_FROM)
                  + ") is after trainable_to (" + v.get(TRAINABLE_TO) + ")")) : List.of()),
          OptionSet.Rule.given(BeearOptions::adapterOutputRule),
          OptionSet.Rule.given(v -> v.has(PERTURBATION_LENGTH) && v.has(MAX_SEQUENCE_LENGTH)
              ? perturbationFits(v.get(PERTURBATION_LENGTH), v.get(MAX_SEQUENCE_LENGTH)) : List.of()),
          OptionSet.Rule.resolved((r, v) -> perturbationFits(r.get(PERTURBATION_LENGTH),
              r.get(MAX_SEQUENCE_LENGTH)))));

  /** min_epochs is at most max_epochs (given, or its default). */
  private static List<OptionProblem> epochRule(OptionValues v) {
    if (!v.has(MIN_EPOCHS)) {
      return List.of();
    }
    int max = SET.orDefault(v, MAX_EPOCHS);
    return v.get(MIN_EPOCHS) > max ? List.of(new OptionProblem("min_epochs", "min_epochs (" + v.get(MIN_EPOCHS)
        + ") is more than max_epochs (" + max + ")")) : List.of();
  }

  /** output_format adapter writes trained adapters, so it cannot train the layers' weights (adapter_rank 0). */
  private static List<OptionProblem> adapterOutputRule(OptionValues v) {
    return v.has(OUTPUT_FORMAT) && OutputFormat.ADAPTER.wireName().equals(v.get(OUTPUT_FORMAT))
        && v.has(ADAPTER_RANK) && v.get(ADAPTER_RANK) == 0
        ? List.of(new OptionProblem("adapter_rank", "output_format adapter writes trained LoRA adapters, so "
            + "adapter_rank cannot be 0 (leave it out for " + OutputFormat.DEFAULT_ADAPTER_RANK + ")"))
        : List.of();
  }

  private static List<OptionProblem> perturbationFits(int perturbationLength, int maxSequenceLength) {
    return perturbationLength >= maxSequenceLength ? List.of(new OptionProblem("perturbation_length",
        "perturbation_length (" + perturbationLength + ") must be less than max_sequence_length ("
            + maxSequenceLength + ")")) : List.of();
  }

  public BeearOptions {
    if (values.set() != SET) {
      throw new IllegalArgumentException("not cleanse options: " + values.set().name());
    }
  }

  /** All defaults. */
  public static BeearOptions defaults() {
    return new BeearOptions(SET.empty());
  }

  /**
   * Options from wire names to values ({@code "max_epochs" -> 2}), as JSON gives them.
   *
   * @throws org.beear.options.InvalidOptionsException for unknown names and values of the wrong type
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static BeearOptions fromMap(Map<String, ?> values) {
    return new BeearOptions(SET.parse(values));
  }

  /** These options with the given ones replaced (wire names; a null value resets one to its default). */
  public BeearOptions with(Map<String, ?> changes) {
    return new BeearOptions(values.with(changes));
  }

  public <T> BeearOptions with(Option<T> option, T value) {
    return new BeearOptions(values.with(option, value));
  }

  /** Whether the caller asked the planner to choose memory settings that fit the device. */
  public boolean fitRequested() {
    return Boolean.TRUE.equals(get(FIT));
  }

}
