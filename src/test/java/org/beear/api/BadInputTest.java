package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Invalid requests are answered with problem details, and nothing stored changes. */
class BadInputTest extends ServiceTestBase {

  private List<Map<String, Object>> storedBefore;
  private Path good;

  @BeforeEach
  void snapshot() throws Exception {
    good = model(uniqueName("good"));
    String done = submit("{\"model_uri\": \"" + fileUri(good) + "\", \"options\": {\"max_epochs\": 1}}");
    awaitStatus(done, "succeeded");
    storedBefore = jobsTable();
  }

  private List<Map<String, Object>> jobsTable() {
    return jdbc.queryForList("SELECT * FROM jobs ORDER BY id");
  }

  private JsonNode problem(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode body = json(response);
    assertThat(body.get("status").asInt()).isEqualTo(status);
    assertThat(body.has("title")).isTrue();
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("<html");
    return body;
  }

  private JsonNode badModel(String modelUri) {
    return problem(postJson("/api/v1/cleanse-jobs", "{\"model_uri\": \"" + modelUri + "\"}"), 400);
  }

  private static String firstError(JsonNode problem) {
    return problem.get("errors").get(0).get("field").asText() + ": " + problem.get("errors").get(0).get("message").asText();
  }

  @Test
  void invalidModelLocationsAreRejected() throws Exception {
    assertThat(firstError(badModel("ftp://example.org/model"))).startsWith("model_uri: unknown URI scheme 'ftp'");
    assertThat(firstError(badModel("s3://bucket_name/model"))).contains("is not a valid bucket name");
    assertThat(firstError(badModel("hf://org"))).contains("expected hf://ORG/NAME or hf://ORG/NAME@REVISION");
    String missing = fileUri(MODELS.resolve("missing"));
    String notFound = ": not found or not allowed (see beear.sources.allowed-roots)";
    assertThat(firstError(badModel(missing))).isEqualTo("model_uri: " + missing + notFound);
    assertThat(firstError(badModel("file:///etc"))).as("one answer for missing and not allowed")
        .isEqualTo("model_uri: file:///etc" + notFound);
    assertThat(firstError(badModel("file:///etc/no-such-thing"))).isEqualTo("model_uri: file:///etc/no-such-thing"
        + notFound);
    assertThat(firstError(badModel(fileUri(good) + "/../../../../etc"))).contains("'..'");
    assertThat(firstError(badModel("no-scheme-at-all"))).contains("has no scheme");
    assertThat(firstError(badModel(fileUri(good.resolve("config.json"))))).contains("not a directory");

    Path outside = Files.createTempDirectory("beear-outside");
    Files.writeString(outside.resolve("config.json"), "{\"model_type\": \"llama\"}");
    Path link = Files.createSymbolicLink(MODELS.resolve(uniqueName("escape")), outside);
    assertThat(firstError(badModel(fileUri(link)))).isEqualTo("model_uri: " + fileUri(link) + notFound);

    JsonNode arch = badModel(fileUri(model(uniqueName("gpt2"), "gpt2")));
    assertThat(firstError(arch)).isEqualTo("model_uri: unsupported architecture 'gpt2': expected llama or mistral");

    JsonNode output = problem(postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "%s", "output_uri": "file:///tmp/elsewhere-%d"}""".formatted(fileUri(good), System.nanoTime())),
        400);
    assertThat(firstError(output)).startsWith("output_uri:").contains("not allowed as an output location");
    assertThat(jobsTable()).isEqualTo(storedBefore);
  }

  @Test
  void invalidOptionsTriggersAndBodiesAreRejected() {
    String model = fileUri(good);
    JsonNode options = problem(postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "%s", "options": {"alpha": -1, "max_epochs": 0, "optimizer": "rmsprop"}}""".formatted(model)),
        400);
    assertThat(options.get("errors").findValuesAsText("field"))
        .containsExactlyInAnyOrder("options.max_epochs", "options.alpha", "options.optimizer");

    JsonNode unknownOption = problem(postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "%s", "options": {"learning_rat": 0.1}}""".formatted(model)), 400);
    assertThat(firstError(unknownOption)).startsWith("options.learning_rat: unknown field 'learning_rat'");

    JsonNode unknownField = problem(postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "%s", "modelUri": "x"}""".formatted(model)), 400);
    assertThat(firstError(unknownField)).contains("unknown field 'modelUri'");

    JsonNode wrongType = problem(postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "%s", "options": {"max_epochs": "many"}}""".formatted(model)), 400);
    assertThat(firstError(wrongType)).startsWith("options.max_epochs:");

    JsonNode trigger = problem(postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "%s", "evaluation": {"triggers": [{"text": "SUDO", "position": "middle"}, {"position": "prefix"}]}}"""
        .formatted(model)), 400);
    assertThat(trigger.get("errors").findValuesAsText("field"))
        .containsExactly("evaluation.triggers[0].position", "evaluation.triggers[1].text");

    JsonNode missing = problem(postJson("/api/v1/cleanse-jobs", "{}"), 400);
    assertThat(firstError(missing)).isEqualTo("model_uri: is required");

    JsonNode malformed = problem(postJson("/api/v1/cleanse-jobs", "{\"model_uri\": "), 400);
    assertThat(malformed.get("detail").asText()).contains("malformed JSON");
    problem(postJson("/api/v1/cleanse-jobs", "[1, 2]"), 400);
    problem(postJson("/api/v1/cleanse-jobs", ""), 400);

    HttpResponse<String> plain = send(HttpRequest.newBuilder(URI.create(url("/api/v1/cleanse-jobs")))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("model")).build());
    problem(plain, 415);
    assertThat(jobsTable()).isEqualTo(storedBefore);
  }

  @Test
  void unknownJobsMethodsAndParametersAreRejected() {
    problem(get("/api/v1/cleanse-jobs/6f1d0c1e-0000-4000-8000-000000000000"), 404);
    problem(get("/api/v1/cleanse-jobs/not-a-uuid"), 404);
    problem(postJson("/api/v1/cleanse-jobs/6f1d0c1e-0000-4000-8000-000000000000/cancel", ""), 404);
    problem(get("/api/v1/cleanse-jobs/6f1d0c1e-0000-4000-8000-000000000000/events"), 404);
    problem(get("/api/v1/cleanse-jobs/6f1d0c1e-0000-4000-8000-000000000000/report"), 404);
    problem(get("/api/v1/nothing-here"), 404);
    problem(send(HttpRequest.newBuilder(URI.create(url("/api/v1/cleanse-jobs"))).DELETE().build()), 405);
    JsonNode filter = problem(get("/api/v1/cleanse-jobs?status=done&size=1000"), 400);
    assertThat(filter.get("errors").findValuesAsText("field")).containsExactly("status", "size");
    problem(get("/api/v1/cleanse-jobs?page=abc"), 400);
    assertThat(jobsTable()).isEqualTo(storedBefore);
  }
}
