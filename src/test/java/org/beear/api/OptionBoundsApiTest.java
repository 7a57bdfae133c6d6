package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

/**
 * Options beyond their bounds, and options that do not suit the submitted model's config, are refused at
 * submission as 400 problems naming the option, and no job is stored.
 */
class OptionBoundsApiTest extends ServiceTestBase {

  private JsonNode refused(String body) {
    long jobs = jdbc.queryForObject("SELECT count(*) FROM jobs", Long.class);
    HttpResponse<String> response = postJson("/api/v1/cleanse-jobs", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(jdbc.queryForObject("SELECT count(*) FROM jobs", Long.class)).isEqualTo(jobs);
    return json(response);
  }

  private static List<String> errors(JsonNode problem) {
    List<String> out = new ArrayList<>();
    problem.get("errors").forEach(e -> out.add(e.get("field").asText() + ": " + e.get("message").asText()));
    return out;
  }

  @Test
  void optionsPastTheirUpperBoundsAreRefusedWhateverTheModel() throws Exception {
    String body = """
        {"model_uri": "http://127.0.0.1:9/model.tar.gz", "options": {"max_epochs": 2147483647,
         "eval_max_new_tokens": 1000000, "perturbation_length": 1000000, "learning_rate": 10,
         "batch_size": 100000}}""";
    assertThat(errors(refused(body))).containsExactlyInAnyOrder(
        "options.max_epochs: max_epochs must be at most 1000, got 2147483647",
        "options.eval_max_new_tokens: eval_max_new_tokens must be at most 4096, got 1000000",
        "options.perturbation_length: perturbation_length must be at most 512, got 1000000",
        "options.learning_rate: learning_rate must be at most 1.0, got 10.0",
        "options.batch_size: batch_size must be at most 4096, got 100000");
  }

  @Test
  void optionsThatDoNotSuitAFileModelsConfigAreRefusedAtSubmissionOnTheirField() throws Exception {
    Path model = model(uniqueName("two-layers"), "llama", """
        "vocab_size": 100, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "max_position_embeddings": 512""");
    String uri = fileUri(model);

    assertThat(errors(refused("{\"model_uri\": \"" + uri + "\", \"options\": {\"anchor_layer\": 3}}")))
        .containsExactly("options.anchor_layer: anchor_layer must be at most 2 (the model's decoder layers), got 3");
    assertThat(errors(refused("{\"model_uri\": \"" + uri + "\", \"options\": {\"max_sequence_length\": 1024,"
        + " \"trainable_from\": 3}}"))).containsExactlyInAnyOrder(
        "options.max_sequence_length: max_sequence_length must be at most 512 (the model's max_position_embeddings),"
            + " got 1024",
        "options.trainable_from: trainable_from must be at most 2 (the model's decoder layers), got 3");
    assertThat(errors(refused("{\"model_uri\": \"" + uri + "\", \"options\": {\"perturbation_length\": 300}}")))
        .containsExactly("options.perturbation_length: perturbation_length (300) must be less than"
            + " max_sequence_length (256)");
  }

  @Test
  void aPlanNamesTheOptionThatDoesNotSuitTheConfigToo() {
    HttpResponse<String> response = postJson("/api/v1/plans", """
        {"config": {"architectures": ["LlamaForCausalLM"], "vocab_size": 100, "hidden_size": 32,
         "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4},
         "options": {"anchor_layer": 3}}""");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(errors(json(response)))
        .containsExactly("options.anchor_layer: anchor_layer must be at most 2 (the model's decoder layers), got 3");
  }
}
