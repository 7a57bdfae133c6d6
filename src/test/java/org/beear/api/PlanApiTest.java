package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

/** Memory plans over REST, and submissions planned against the workers' device (24 GiB of CPU in the tests). */
class PlanApiTest extends ServiceTestBase {
  private static final String SEVEN_B = """
      "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
      "num_attention_heads": 32, "num_key_value_heads": 32""";

  @Test
  void aPlanForAPublishedConfigOnAnEightyGigabyteGpu() throws Exception {
    String config = Files.readString(Path.of("src/test/resources/configs/llama-3-8b/config.json"));
    HttpResponse<String> r = postJson("/api/v1/plans", "{\"config\": " + config
        + ", \"device\": \"cuda\", \"device_memory\": \"80GiB\", \"options\": {\"fit\": true}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode plan = json(r);
    assertThat(plan.get("fits").asBoolean()).isTrue();
    assertThat(plan.get("fitted").asBoolean()).isTrue();
    assertThat(plan.get("device").asText()).isEqualTo("cuda");
    assertThat(plan.get("required_bytes").asLong()).isLessThanOrEqualTo(80L << 30);
    assertThat(plan.get("settings").get("compute_dtype").asText()).isEqualTo("float16");
    assertThat(plan.get("parameters").asLong()).isEqualTo(8_030_261_248L);
    assertThat(plan.get("parts").findValuesAsText("name")).contains("weights", "master_copies", "gradients",
        "optimizer_state", "activations_removal", "entrapment_cache", "generation");
  }

  @Test
  void aPlanForAFileModelOnTheWorkersDevice() throws Exception {
    Path model = model(uniqueName("planned"));
    HttpResponse<String> r = postJson("/api/v1/plans", "{\"model_uri\": \"" + fileUri(model)
        + "\", \"options\": {\"batch_size\": 4}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode plan = json(r);
    assertThat(plan.get("fits").asBoolean()).isTrue();
    assertThat(plan.get("device").asText()).isEqualTo("cpu");
    assertThat(plan.get("settings").get("batch_size").asInt()).isEqualTo(4);
    assertThat(plan.get("settings").get("anchor_layer").asInt()).isEqualTo(1);
  }

  @Test
  void badPlanRequestsAreProblems() {
    HttpResponse<String> r = postJson("/api/v1/plans", "{\"model_uri\": \"https://127.0.0.1:9/m.tar.gz\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("config.json at hand");
    r = postJson("/api/v1/plans", "{\"config\": {\"architectures\": [\"GPT2LMHeadModel\"]}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("unsupported architecture");
    r = postJson("/api/v1/plans", "{\"config\": " + "{\"architectures\": [\"LlamaForCausalLM\"], " + SEVEN_B
        + "}, \"options\": {\"anchor_layer\": 40}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("anchor_layer must be at most 32");
  }

  /** TinyLlama-1.1B's shape: with the default batch of 40 sequences × 256 tokens its activations overflow 24 GiB. */
  private static final String ONE_B = """
      "vocab_size": 32000, "hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 22,
      "num_attention_heads": 32, "num_key_value_heads": 4""";

  @Test
  void aJobThatCannotFitTheWorkersIsRefusedWithItsPlanUnlessItAsksForFittedSettings() throws Exception {
    Path big = model(uniqueName("one-b"), "llama", ONE_B);
    long before = jdbc.queryForObject("SELECT count(*) FROM jobs", Long.class);
    HttpResponse<String> r = postJson("/api/v1/cleanse-jobs", "{\"model_uri\": \"" + fileUri(big) + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
    JsonNode problem = json(r);
    assertThat(problem.get("title").asText()).isEqualTo("Does not fit the workers' device");
    assertThat(problem.get("detail").asText()).contains("does not fit").contains("fit = true");
    assertThat(problem.get("plan").get("fits").asBoolean()).isFalse();
    assertThat(problem.get("plan").get("required_bytes").asLong()).isGreaterThan(24L << 30);
    assertThat(jdbc.queryForObject("SELECT count(*) FROM jobs", Long.class)).isEqualTo(before);

    String id = submit("{\"model_uri\": \"" + fileUri(big) + "\", \"options\": {\"fit\": true, \"max_epochs\": 1}}");
    JsonNode job = job(id);
    assertThat(job.get("memory_plan").get("fits").asBoolean()).isTrue();
    assertThat(job.get("memory_plan").get("fitted").asBoolean()).isTrue();
    assertThat(job.get("settings").get("micro_batch_size").asInt()).isLessThan(32);
    assertThat(job.get("settings").get("optimizer").asText()).isEqualTo("adamw");
    assertThat(job.get("options").get("fit").asBoolean()).isTrue();
    awaitStatus(id, "succeeded");
  }

  @Test
  void aModelWhoseWeightsAloneOverflowTheDeviceIsRefusedEvenWithFit() throws Exception {
    Path huge = model(uniqueName("seven-b"), "llama", SEVEN_B);
    HttpResponse<String> r = postJson("/api/v1/cleanse-jobs", "{\"model_uri\": \"" + fileUri(huge)
        + "\", \"options\": {\"fit\": true}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
    assertThat(json(r).get("plan").get("required_bytes").asLong()).isGreaterThan(27L << 30);
  }

  @Test
  void aSmallJobIsPlannedAtSubmissionAndShowsItsSettings() throws Exception {
    String id = submit("{\"model_uri\": \"" + fileUri(model(uniqueName("small"))) + "\", \"options\": "
        + "{\"max_epochs\": 1, \"micro_batch_size\": 4}}");
    JsonNode job = job(id);
    assertThat(job.get("settings").get("micro_batch_size").asInt()).isEqualTo(4);
    assertThat(job.get("settings").get("max_epochs").asInt()).isEqualTo(1);
    assertThat(job.get("settings").get("optimizer").asText()).isEqualTo("adamw");
    assertThat(job.get("memory_plan").get("fitted").asBoolean()).isFalse();
    awaitStatus(id, "succeeded");
  }
}
