package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code file://} URIs are scoped by tenant: a tenant reads only its own jobs' outputs and what the allowed roots
 * hold, never the service's own files, writes only where no other job's output is, and cannot tell a file it may
 * not use from one that does not exist. The service's data directory here lies inside the allowed root, as when an
 * operator roots a parent of it.
 */
class TenantFilesTest extends ServiceTestBase {

  private static final String ANSWER = ": not found or not allowed (see beear.sources.allowed-roots)";
  private static final String NOT_AN_OUTPUT = ": not allowed as an output location (it must lie in "
      + "beear.sources.allowed-roots, outside the service's data directory and outside other jobs' outputs; leave "
      + "output_uri out for the default)";
  private static final String LINKED = ": special_tokens_map.json is a symbolic link; a model directory may hold "
      + "only regular files (links are not followed: copy the files in, e.g. with cp -L)";
  private static final String JOBS = "/api/v1/cleanse-jobs";
  private static final String SCANS = "/api/v1/scan-jobs";
  private static final String PLANS = "/api/v1/plans";
  private static final Path DATA = ROOT.resolve("data");

  private String alice;
  private String bob;

  @BeforeEach
  void tenants() {
    alice = key("submit", "files-alice");
    bob = key("submit", "files-bob");
  }

  @Test
  void anotherTenantsOutputsAreNotFoundInEveryFieldAndCannotBeWrittenInto() throws Exception {
    String model = fileUri(model(uniqueName("alice")));
    String defaultOutput = succeededOutput(alice, cleanse(model, null));
    String customOutput = succeededOutput(alice,
        cleanse(model, "\"output_uri\": \"" + fileUri(ROOT.resolve("outputs").resolve(uniqueName("alice"))) + "\""));
    String missing = fileUri(DATA.resolve("outputs").resolve(UUID.randomUUID().toString()));
    String bobsModel = fileUri(model(uniqueName("bob")));

    for (String output : List.of(defaultOutput, customOutput)) {
      for (String uri : List.of(output, output + "/model.safetensors", missing)) {
        assertThat(refusal(post(SCANS, "{\"model_uri\": \"" + uri + "\"}", bob), uri))
            .as("scan " + uri).isEqualTo("model_uri: <uri>" + ANSWER);
        assertThat(refusal(post(JOBS, cleanse(uri, null), bob), uri))
            .as("cleanse " + uri).isEqualTo("model_uri: <uri>" + ANSWER);
        assertThat(refusal(post(SCANS, "{\"model_uri\": \"" + bobsModel + "\", \"reference_uri\": \"" + uri + "\"}",
            bob), uri)).as("reference " + uri).isEqualTo("reference_uri: <uri>" + ANSWER);
        assertThat(refusal(post(JOBS, cleanse(bobsModel, "\"defender_data_uri\": \"" + uri + "\""), bob), uri))
            .as("defender data " + uri).isEqualTo("defender_data_uri: <uri>" + ANSWER);
        HttpResponse<String> plan = post(PLANS, "{\"model_uri\": \"" + uri + "\"}", bob);
        assertThat(refusal(plan, uri)).as("plan " + uri).isEqualTo("model_uri: <uri>" + ANSWER);
        assertThat(json(plan).get("detail").asText().replace(uri, "<uri>")).isEqualTo("model_uri: <uri>" + ANSWER);
      }
      String inside = output + "/sub";
      assertThat(refusal(post(JOBS, cleanse(bobsModel, "\"output_uri\": \"" + inside + "\""), bob), inside))
          .isEqualTo("output_uri: <uri>" + NOT_AN_OUTPUT);
      assertThat(Path.of(URI.create(inside))).doesNotExist();
      HttpResponse<String> own = post(JOBS, cleanse(model,
          "\"defender_data_uri\": \"" + output + "/report.json\""), alice);
      assertThat(own.statusCode()).as("the owner reads its own output: " + own.body()).isEqualTo(201);
    }
    assertThat(refusal(post(JOBS, cleanse(bobsModel, "\"output_uri\": \"" + customOutput + "\""), bob),
        customOutput)).as("another tenant's output location").isEqualTo("output_uri: <uri>" + NOT_AN_OUTPUT);
  }

  @Test
  void theServicesKeysDatabaseAndDirectoriesAreNotFoundEvenUnderAnAllowedRoot() throws Exception {
    Path pgVersion;
    try (Stream<Path> files = Files.walk(DATA.resolve("postgres"))) {
      pgVersion = files.filter(p -> p.getFileName().toString().equals("PG_VERSION")).findFirst().orElseThrow();
    }
    String model = fileUri(model(uniqueName("state")));
    for (Path file : List.of(adminKeyFile(), DATA.resolve("secrets.key"), pgVersion, DATA.resolve("nothing.key"))) {
      assertThat(file.getFileName().toString().equals("nothing.key") || Files.isRegularFile(file)).isTrue();
      String uri = fileUri(file);
      for (String field : List.of("defender_data_uri", "anchoring_data_uri")) {
        assertThat(refusal(post(JOBS, cleanse(model, "\"" + field + "\": \"" + uri + "\""), defaultKey()), uri))
            .as(field + " " + file).isEqualTo(field + ": <uri>" + ANSWER);
      }
    }
    for (Path dir : List.of(DATA, DATA.resolve("postgres"), pgVersion.getParent(), DATA.resolve("outputs"))) {
      String uri = fileUri(dir);
      assertThat(refusal(post(JOBS, cleanse(uri, null), defaultKey()), uri)).as(dir.toString())
          .isEqualTo("model_uri: <uri>" + ANSWER);
    }
    for (Path dir : List.of(DATA.resolve("work").resolve("x"), DATA.resolve("outputs").resolve(uniqueName("mine")),
        DATA.resolve("cache").resolve("x"), DATA.resolve("models").resolve("x"))) {
      String uri = fileUri(dir);
      assertThat(refusal(post(JOBS, cleanse(model, "\"output_uri\": \"" + uri + "\""), defaultKey()), uri))
          .as(dir.toString()).isEqualTo("output_uri: <uri>" + NOT_AN_OUTPUT);
    }
  }

  @Test
  void aModelWithALinkInsideIsRefusedAtSubmissionAndByTheWorker() throws Exception {
    Path secret = Files.writeString(Files.createTempDirectory("beear-secret").resolve("secret.json"),
        "{\"SECRET\": \"key material\"}");
    Path linked = model(uniqueName("linked"));
    Files.createSymbolicLink(linked.resolve("special_tokens_map.json"), secret);
    String uri = fileUri(linked);
    assertThat(refusal(post(JOBS, cleanse(uri, null), alice), uri)).isEqualTo("model_uri: <uri>" + LINKED);
    assertThat(refusal(post(SCANS, "{\"model_uri\": \"" + uri + "\"}", alice), uri))
        .isEqualTo("model_uri: <uri>" + LINKED);
    assertThat(refusal(post(PLANS, "{\"model_uri\": \"" + uri + "\"}", alice), uri))
        .isEqualTo("model_uri: <uri>" + LINKED);

    // a link that appears after the job was accepted: the worker refuses the model before reading it
    String blocker = blockTheWorker();
    Path later = model(uniqueName("linked-later"));
    String id = json(post(JOBS, cleanse(fileUri(later), null), alice)).get("id").asText();
    Files.createSymbolicLink(later.resolve("special_tokens_map.json"), secret);
    unblock(blocker);
    JsonNode failed = awaitAs(alice, id, "failed");
    assertThat(failed.get("error").asText()).isEqualTo("model_uri: " + fileUri(later) + LINKED);
    assertThat(Path.of(URI.create(failed.get("output_uri").asText()))).doesNotExist();
  }

  @Test
  void rowsQueuedBeforeTheseRulesAreCheckedAgainByTheWorker() throws Exception {
    String model = fileUri(model(uniqueName("alice-earlier")));
    String alicesOutput = succeededOutput(alice, cleanse(model, null));
    String bobsModel = fileUri(model(uniqueName("bob-earlier")));
    String blocker = blockTheWorker();
    String reads = json(post(JOBS, cleanse(bobsModel, null), bob)).get("id").asText();
    String writes = json(post(JOBS, cleanse(bobsModel, null), bob)).get("id").asText();
    String keys = json(post(JOBS, cleanse(bobsModel, null), bob)).get("id").asText();
    jdbc.update("UPDATE jobs SET model_uri = ? WHERE id = ?::uuid", alicesOutput, reads);
    jdbc.update("UPDATE jobs SET output_uri = ? WHERE id = ?::uuid", alicesOutput + "/sub", writes);
    String adminKey = fileUri(adminKeyFile());
    jdbc.update("UPDATE jobs SET defender_data_uri = ? WHERE id = ?::uuid", adminKey, keys);
    unblock(blocker);

    assertThat(awaitAs(bob, reads, "failed").get("error").asText()).isEqualTo("model_uri: " + alicesOutput + ANSWER);
    assertThat(awaitAs(bob, writes, "failed").get("error").asText())
        .isEqualTo("output_uri: " + alicesOutput + "/sub" + NOT_AN_OUTPUT);
    assertThat(awaitAs(bob, keys, "failed").get("error").asText())
        .isEqualTo("defender_data_uri: " + adminKey + ANSWER);
    assertThat(Path.of(URI.create(alicesOutput + "/sub"))).doesNotExist();
  }

  @Test
  void errorsShowTheCallersUriNotTheServicesPaths() throws Exception {
    Path real = Files.createDirectories(MODELS.resolve(uniqueName("real-dir")));
    Files.writeString(real.resolve("config.json"), "{\"model_type\": \"llama\", \"hidden_size\": ");
    Path alias = Files.createSymbolicLink(MODELS.resolve(uniqueName("alias")), real);
    String uri = fileUri(alias);
    HttpResponse<String> plan = post(PLANS, "{\"model_uri\": \"" + uri + "\"}", alice);
    assertThat(plan.statusCode()).as(plan.body()).isEqualTo(400);
    assertThat(plan.body()).contains(uri + "/config.json").doesNotContain(real.getFileName().toString());
  }

  private static String cleanse(String modelUri, String extra) {
    return "{\"model_uri\": \"" + modelUri + "\", \"options\": {\"max_epochs\": 1}"
        + (extra == null ? "" : ", " + extra) + "}";
  }

  private HttpResponse<String> post(String path, String body, String key) {
    return postJson(path, body, "Authorization", "Bearer " + key);
  }

  /** A 400's first error as "field: message", with the URI it is about shown as {@code <uri>}. */
  private String refusal(HttpResponse<String> response, String uri) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonNode error = json(response).get("errors").get(0);
    return (error.get("field").asText() + ": " + error.get("message").asText()).replace(uri, "<uri>");
  }

  private String succeededOutput(String key, String body) throws InterruptedException {
    HttpResponse<String> created = post(JOBS, body, key);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return awaitAs(key, json(created).get("id").asText(), "succeeded").get("output_uri").asText();
  }

  private JsonNode awaitAs(String key, String id, String status) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonNode job = json(get(JOBS + "/" + id, key));
    while (!job.get("status").asText().equals(status)) {
      assertThat(System.nanoTime()).as("job %s never %s; last: %s", id, status, job).isLessThan(deadline);
      Thread.sleep(50);
      job = json(get(JOBS + "/" + id, key));
    }
    return job;
  }

  /** A long job of the default tenant on the only worker, so the next submissions stay queued. */
  private String blockTheWorker() throws Exception {
    engine.stepMillis = 200;
    String id = submit("{\"model_uri\": \"" + fileUri(model(uniqueName("blocker"))) + "\", \"options\": "
        + "{\"max_epochs\": 50}}");
    awaitStatus(id, "running");
    return id;
  }

  private void unblock(String blocker) throws InterruptedException {
    engine.stepMillis = 15;
    assertThat(postJson(JOBS + "/" + blocker + "/cancel", "").statusCode()).isIn(200, 202);
    awaitStatus(blocker, "cancelled");
  }
}
