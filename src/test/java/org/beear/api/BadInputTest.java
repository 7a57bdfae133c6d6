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
  void passwordsInOpaqueOrMalformedModelUrisAreNeverEchoed() {
    String password = "pw-0paque-5ecret";
    HttpResponse<String> opaque = postJson("/api/v1/cleanse-jobs",
        "{\"model_uri\": \"http:alice:" + password + "@127.0.0.1/m.tar.gz\"}");
    assertThat(firstError(problem(opaque, 400))).isEqualTo("model_uri: http:***@127.0.0.1/m.tar.gz has no host");
    HttpResponse<String> slashed = postJson("/api/v1/scan-jobs",
        "{\"model_uri\": \"" + fileUri(good) + "\", \"reference_uri\": \"https://alice:" + password
            + "/x@127.0.0.1/m.tar.gz\"}");
    assertThat(firstError(problem(slashed, 400))).startsWith("reference_uri: https://***@127.0.0.1/m.tar.gz");
    assertThat(opaque.body() + slashed.body()).doesNotContain(password);
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
    assertThat(firstError(unknownOption))
        .isEqualTo("options.learning_rat: unknown option 'learning_rat' (did you mean learning_rate?)");

    JsonNode unknownField = problem(postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "%s", "modelUri": "x"}""".formatted(model)), 400);
    assertThat(firstError(unknownField)).contains("unknown field 'modelUri'");

    JsonNode wrongType = problem(postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "%s", "options": {"max_epochs": "many", "alpha": true, "relearn_k": [1.5]}}"""
        .formatted(model)), 400);
    assertThat(firstError(wrongType)).isEqualTo("options.max_epochs: max_epochs must be an integer, got \"many\"");
    assertThat(wrongType.get("errors").findValuesAsText("field")).as("every wrongly typed option at once")
        .containsExactly("options.max_epochs", "options.alpha", "options.relearn_k");

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
  void controlCharactersInKeyNamesTriggersAndSystemPromptsAreFieldProblems() {
    String model = fileUri(good);
    JsonNode cleanse = problem(postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "%s", "options": {"system_prompt": "Be helpful.\\u0000"},
         "evaluation": {"triggers": [{"text": "SUDO\\u0000", "position": "prefix"},
                                     {"text": "\\u001b[2J", "position": "suffix"}]}}""".formatted(model)), 400);
    assertThat(cleanse.get("errors").findValuesAsText("message")).containsExactly(
        "system_prompt has a control character (U+0000) at position 11; only tabs and line breaks are allowed",
        "trigger text has a control character (U+0000) at position 4; only tabs and line breaks are allowed",
        "trigger text has a control character (U+001B) at position 0; only tabs and line breaks are allowed");
    assertThat(cleanse.get("errors").findValuesAsText("field")).containsExactly("options.system_prompt",
        "evaluation.triggers[0].text", "evaluation.triggers[1].text");
    JsonNode scan = problem(postJson("/api/v1/scan-jobs", """
        {"model_uri": "%s", "options": {"system_prompt": "\\u0000"}}""".formatted(model)), 400);
    assertThat(firstError(scan)).startsWith("options.system_prompt: system_prompt has a control character (U+0000)");
    long keys = jdbc.queryForObject("SELECT count(*) FROM api_keys", Long.class);
    JsonNode key = problem(postJson("/api/v1/keys", "{\"name\": \"ci\\u0000pipeline\", \"role\": \"read\"}",
        "Authorization", "Bearer " + adminKey()), 400);
    assertThat(firstError(key)).isEqualTo("name: must not contain control characters (NUL, tab, line breaks...)");
    assertThat(jdbc.queryForObject("SELECT count(*) FROM api_keys", Long.class)).isEqualTo(keys);
    assertThat(jobsTable()).isEqualTo(storedBefore);

    assertThat(postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "%s", "options": {"system_prompt": "Be helpful.\\n\\tBe honest."},
         "evaluation": {"triggers": [{"text": "SUDO\\r\\n", "position": "prefix"}]}}""".formatted(model))
        .statusCode()).as("tabs and line breaks are text").isEqualTo(201);
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

  @Test
  void hugeAndNegativePagesAndSizesAreFieldProblems() {
    for (String jobs : List.of("/api/v1/cleanse-jobs", "/api/v1/scan-jobs")) {
      assertThat(firstError(problem(get(jobs + "?page=2147483647"), 400)))
          .isEqualTo("page: must be at most 107374182 with size 20, got 2147483647");
      assertThat(firstError(problem(get(jobs + "?page=21474837&size=100"), 400)))
          .isEqualTo("page: must be at most 21474836 with size 100, got 21474837");
      assertThat(get(jobs + "?page=21474836&size=100").statusCode()).as("the last page there is").isEqualTo(200);
      assertThat(firstError(problem(get(jobs + "?page=99999999999"), 400)))
          .isEqualTo("page: must be a whole number up to 2147483647, got '99999999999'");
      assertThat(firstError(problem(get(jobs + "?page=-2147483648"), 400)))
          .isEqualTo("page: must be 0 or more, got -2147483648");
      assertThat(firstError(problem(get(jobs + "?size=-1"), 400))).isEqualTo("size: must be between 1 and 100, got -1");
      assertThat(firstError(problem(get(jobs + "?size=abc"), 400)))
          .isEqualTo("size: must be a whole number up to 2147483647, got 'abc'");
    }
  }
}
