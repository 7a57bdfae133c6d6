package org.beear.beear.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.beear.llm.ModelConfig;
import org.beear.options.InvalidOptionsException;
import org.beear.options.OptionProblem;
import org.junit.jupiter.api.Test;

/**
 * Every option has an upper bound whatever the model, and the bounds that need the model's config (its layers, its
 * context length) are checked when the options are resolved against it, one message per option.
 */
class OptionBoundsTest {

  /** Each option just past its bound, with the message it gets. */
  private static final Map<String, Object[]> PAST_THE_BOUND = new LinkedHashMap<>();

  static {
    over("anchor_layer", 1025, "anchor_layer must be at most 1024, got 1025");
    over("perturbation_length", 513, "perturbation_length must be at most 512, got 513");
    over("inner_steps", 1001, "inner_steps must be at most 1000, got 1001");
    over("max_epochs", Integer.MAX_VALUE, "max_epochs must be at most 1000, got 2147483647");
    over("batch_size", 4097, "batch_size must be at most 4096, got 4097");
    over("anchor_batch_size", 16385, "anchor_batch_size must be at most 16384, got 16385");
    over("micro_batch_size", 16385, "micro_batch_size must be at most 16384, got 16385");
    over("eval_max_new_tokens", 1_000_000, "eval_max_new_tokens must be at most 4096, got 1000000");
    over("eval_batch_size", 4097, "eval_batch_size must be at most 4096, got 4097");
    over("trainable_from", 1025, "trainable_from must be at most 1024, got 1025");
    over("trainable_to", 1025, "trainable_to must be at most 1024, got 1025");
    over("adapter_rank", 1025, "adapter_rank must be at most 1024, got 1025");
    over("adapter_alpha", 1e6, "adapter_alpha must be at most 1000.0, got 1000000.0");
    over("max_sequence_length", 131_073, "max_sequence_length must be at most 131072, got 131073");
    over("alpha", 1001.0, "alpha must be at most 1000.0, got 1001.0");
    over("inner_learning_rate", 1e9, "inner_learning_rate must be at most 1000.0, got 1.0E9");
    over("delta_max_norm", 1e9, "delta_max_norm must be at most 1000.0, got 1.0E9");
    over("anchor_weight", 1e9, "anchor_weight must be at most 1000.0, got 1.0E9");
    over("learning_rate", 2.0, "learning_rate must be at most 1.0, got 2.0");
    over("learning_rate_width", 1 << 21, "learning_rate_width must be at most 1048576, got 2097152");
    over("weight_decay", 1.5, "weight_decay must be at most 1.0, got 1.5");
    over("relearn_steps", 1001, "relearn_steps must be at most 1000, got 1001");
    over("relearn_learning_rate", 2.0, "relearn_learning_rate must be at most 1.0, got 2.0");
    over("relearn_k", List.of(5, 1001), "relearn_k values must be 1 – 1000, got [5, 1001]");
  }

  private static void over(String option, Object value, String message) {
    PAST_THE_BOUND.put(option, new Object[] {value, message});
  }

  @Test
  void everyNumericOptionHasAnUpperBoundThatNamesItAndTheBoundItselfIsAccepted() {
    for (Map.Entry<String, Object[]> e : PAST_THE_BOUND.entrySet()) {
      List<String> errors = messages(BeearOptions.fromMap(Map.of(e.getKey(), e.getValue()[0])).validate());
      assertThat(errors).as(e.getKey()).containsExactly((String) e.getValue()[1]);
    }
    assertThat(messages(BeearOptions.fromMap(Map.of("min_epochs", 1001, "max_epochs", 1000)).validate()))
        .contains("min_epochs must be at most 1000, got 1001");

    Map<String, Object> atTheBound = Map.ofEntries(Map.entry("anchor_layer", 1024),
        Map.entry("perturbation_length", 512), Map.entry("inner_steps", 1000), Map.entry("max_epochs", 1000),
        Map.entry("min_epochs", 1000), Map.entry("batch_size", 4096), Map.entry("anchor_batch_size", 16384),
        Map.entry("micro_batch_size", 16384), Map.entry("eval_max_new_tokens", 4096),
        Map.entry("eval_batch_size", 4096), Map.entry("trainable_from", 1024), Map.entry("trainable_to", 1024),
        Map.entry("adapter_rank", 1024), Map.entry("adapter_alpha", 1000.0),
        Map.entry("max_sequence_length", 131072), Map.entry("alpha", 1000.0), Map.entry("learning_rate", 1.0),
        Map.entry("learning_rate_width", 1 << 20), Map.entry("weight_decay", 1.0), Map.entry("seed", Long.MIN_VALUE),
        Map.entry("system_prompt", "x".repeat(16_384)), Map.entry("relearn_check", true),
        Map.entry("relearn_k", List.of(1, 2, 3, 4, 5, 6, 7, 1000)), Map.entry("relearn_steps", 1000),
        Map.entry("relearn_learning_rate", 1.0));
    assertThat(BeearOptions.fromMap(atTheBound).validate()).isEmpty();
  }

  @Test
  void theRelearningCheckRefusesAListItCannotRunAndSettingsThatWouldGoUnused() {
    assertThat(problems(Map.of("relearn_check", true, "relearn_k", List.of()))).containsExactly(
        "relearn_k must list at least one k");
    assertThat(problems(Map.of("relearn_check", true, "relearn_k", List.of(1, 2, 3, 4, 5, 6, 7, 8, 9))))
        .containsExactly("relearn_k must list at most 8 values, got 9");
    assertThat(problems(Map.of("relearn_check", true, "relearn_k", List.of(0)))).containsExactly(
        "relearn_k values must be 1 – 1000, got [0]");
    assertThat(problems(Map.of("relearn_check", true, "relearn_k", List.of(5, 5)))).containsExactly(
        "relearn_k lists a value twice: [5, 5]");
    assertThat(problems(Map.of("relearn_check", true, "relearn_steps", 0))).containsExactly(
        "relearn_steps must be at least 1, got 0");
    assertThat(problems(Map.of("relearn_check", true, "relearn_learning_rate", 0.0))).containsExactly(
        "relearn_learning_rate must be a positive number, got 0.0");
    // without relearn_check nothing would read them: a forgotten flag, not a silently ignored setting
    assertThat(problems(Map.of("relearn_k", List.of(2), "relearn_control", true))).containsExactly(
        "relearn_k is set but relearn_check is not true: set relearn_check to run the relearning check",
        "relearn_control is set but relearn_check is not true: set relearn_check to run the relearning check");
    assertThat(problems(Map.of("relearn_check", false, "relearn_control", false, "scan", true))).isEmpty();
  }

  private static List<String> problems(Map<String, ?> options) {
    InvalidOptionsException e = catchThrowableOfType(
        () -> CleanseSettings.resolve(BeearOptions.fromMap(options), model(4, 512), "cpu"),
        InvalidOptionsException.class);
    return e == null ? List.of() : e.messages();
  }

  private static List<String> messages(List<OptionProblem> problems) {
    return problems.stream().map(OptionProblem::message).toList();
  }

  private static ModelConfig model(int layers, int context) {
    return ModelConfig.parse("""
        {"architectures":["LlamaForCausalLM"],"vocab_size":100,"hidden_size":64,"intermediate_size":128,
         "num_hidden_layers":%d,"num_attention_heads":4,"max_position_embeddings":%d}""".formatted(layers, context));
  }

  private static List<String> problems(Map<String, ?> options, ModelConfig config) {
    InvalidOptionsException e = catchThrowableOfType(
        () -> CleanseSettings.resolve(BeearOptions.fromMap(options), config, "cpu"), InvalidOptionsException.class);
    return e == null ? List.of() : e.messages();
  }

  @Test
  void boundsThatNeedTheModelAreCheckedWhenTheOptionsMeetItsConfig() {
    ModelConfig fourLayers = model(4, 512);
    assertThat(problems(Map.of("trainable_from", 5), fourLayers))
        .containsExactly("trainable_from must be at most 4 (the model's decoder layers), got 5");
    assertThat(problems(Map.of("max_sequence_length", 1024), fourLayers))
        .containsExactly("max_sequence_length must be at most 512 (the model's max_position_embeddings), got 1024");
    assertThat(problems(Map.of("perturbation_length", 300), fourLayers))
        .as("against the default max_sequence_length")
        .containsExactly("perturbation_length (300) must be less than max_sequence_length (256)");
    assertThat(problems(Map.of("anchor_layer", 2000), fourLayers)).as("one message per option")
        .containsExactly("anchor_layer must be at most 1024, got 2000");

    ModelConfig shortContext = model(4, 128);
    assertThat(CleanseSettings.resolve(BeearOptions.defaults(), shortContext, "cpu").runtime().maxSequenceLength())
        .as("the default stays inside the model's context").isEqualTo(128);
  }
}
