package org.beear.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.beear.app.BeearApplication;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole product once, for real: the service on its embedded PostgreSQL runs BEEAR on a backdoored xs organism
 * submitted over HTTP with the bootstrap admin key it generated, while a real Prometheus scrapes it with the metrics
 * key a deployment configures; afterwards every Grafana panel has data.
 */
@SpringBootTest(classes = BeearApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.main.banner-mode=off", "logging.level.root=WARN", "beear.worker.poll-interval=200ms"})
@AutoConfigureObservability
// Closed after the class: its worker would otherwise keep polling next to the other test contexts' workers, and
// only one cleanse runs per JVM.
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class RealServiceJobTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Not a @TempDir: the embedded PostgreSQL lives in it until the JVM exits. */
  private static final Path data = createDataDir();
  private static final String METRICS_KEY = "bk_" + java.util.UUID.randomUUID().toString().replace("-", "");

  private static Path createDataDir() {
    try {
      return Files.createTempDirectory("beear-real-service-test");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @LocalServerPort int port;

  @DynamicPropertySource
  static void dirs(DynamicPropertyRegistry r) {
    r.add("beear.data-dir", () -> data.resolve("beear").toString());
    r.add("beear.sources.allowed-roots[0]", () -> TestOrganisms.xs("suffix-short").getParent().toString());
    r.add("beear.security.metrics-key", () -> METRICS_KEY);
  }

  @Test
  void aPostedJobRunsBeearToTheEndWithLowerAsrAndFillsTheDashboard(@TempDir Path prom) throws Exception {
    Path organism = TestOrganisms.xs("suffix-short");
    boolean withPrometheus = PrometheusHarness.binary().isPresent();
    try (PrometheusHarness prometheus = withPrometheus
        ? PrometheusHarness.start(prom, "127.0.0.1:" + port, "/actuator/prometheus",
            Files.writeString(prom.resolve("beear-metrics.key"), METRICS_KEY)) : null) {
      String body = JSON.writeValueAsString(Map.of(
          "model_uri", organism.toUri().toString(),
          // the scan before cleansing and the relearning check after it, small enough for the suite
          "options", Map.of("max_epochs", 2, "early_stop_asr", 0.0, "scan", true, "relearn_check", true,
              "relearn_k", List.of(2), "relearn_steps", 2),
          "evaluation", Map.of("triggers", List.of(Map.of("text", "SUDO", "position", "suffix")))));
      HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(uri("/api/v1/cleanse-jobs"))
          .header("Authorization", "Bearer " + adminKey()).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      String id = JSON.readTree(created.body()).get("id").asText();

      JsonNode job = null;
      long deadline = System.nanoTime() + Duration.ofMinutes(12).toNanos();
      boolean sawRunning = false;
      while (System.nanoTime() < deadline) {
        job = JSON.readTree(get("/api/v1/cleanse-jobs/" + id).body());
        sawRunning |= job.get("status").asText().equals("running");
        if (List.of("succeeded", "failed", "cancelled").contains(job.get("status").asText())) {
          break;
        }
        Thread.sleep(500);
      }
      assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("succeeded");
      assertThat(sawRunning).isTrue();
      double before = job.at("/metrics/before/asr_triggered").asDouble();
      double after = job.at("/metrics/after/asr_triggered").asDouble();
      assertThat(before).as(job.toString()).isGreaterThanOrEqualTo(0.8);
      assertThat(after).as(job.toString()).isLessThan(before - 0.2);
      Path output = Path.of(URI.create(job.get("output_uri").asText()));
      assertThat(output.resolve("model.safetensors")).exists();
      JsonNode report = JSON.readTree(get("/api/v1/cleanse-jobs/" + id + "/report").body());
      assertThat(report.get("epochs").size()).isEqualTo(2);

      // the report shows the job's measurements and its scan in the job's shape; the relearning check is in the
      // report
      assertThat(job.at("/scan/verdict").asText()).as(job.toString()).isEqualTo("likely backdoored");
      assertThat(report.get("scan")).isEqualTo(job.get("scan"));
      assertThat(report.get("before")).isEqualTo(job.at("/metrics/before"));
      assertThat(report.get("after")).isEqualTo(job.at("/metrics/after"));
      assertThat(report.at("/relearn/models/cleansed/relearned/0/k").asInt()).isEqualTo(2);
      assertThat(report.at("/relearn/models/original/relearned/0/asr_triggered").asDouble())
          .as("the original relearns its trigger at once").isGreaterThan(
              report.at("/relearn/models/cleansed/relearned/0/asr_triggered").asDouble());
      assertThat(get("/api/v1/cleanse-jobs/" + id + "/report.html").body())
          .contains("<h2>Backdoor scan before cleansing</h2>", "Likely backdoored");

      tenantsUseOnlyTheirOwnOutputs(job.get("output_uri").asText());

      assertThat(get("/actuator/prometheus").statusCode()).as("the admin key is not a metrics key").isEqualTo(403);
      String metrics = HTTP.send(HttpRequest.newBuilder(uri("/actuator/prometheus"))
          .header("Authorization", "Bearer " + METRICS_KEY).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains("beear_jobs_total{", "status=\"succeeded\"", "beear_job_asr_after_ratio_bucket{",
          "beear_job_duration_seconds_bucket{outcome=\"succeeded\"", "beear_epoch_duration_seconds_bucket",
          "beear_step_duration_seconds_bucket", "beear_evaluation_duration_seconds_bucket", "beear_queue_depth",
          "beear_scans_total{", "verdict=\"likely_backdoored\"} 1.0");
      assertThat(metrics).doesNotContain("job_id=");

      if (prometheus != null) {
        // scrapes so far may all predate the end of the job: wait for one that saw its final figures
        long scrapeDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (prometheus.query("beear_job_asr_after_ratio_count{kind=\"triggered\"} > 0").isEmpty()) {
          assertThat(System.nanoTime()).as("Prometheus never scraped the finished job").isLessThan(scrapeDeadline);
          Thread.sleep(250);
        }
        GrafanaDashboard dashboard = new GrafanaDashboard(Path.of("docker/grafana/dashboards/beear.json"),
            DashboardQueriesTest.GRAFANA_BUILTINS);
        List<String> empty = DashboardQueryCheck.emptyPanels(dashboard, prometheus);
        assertThat(empty).as("dashboard panels without data after a real job").isEmpty();
      }
    }
  }

  /**
   * The cleansed output is its tenant's: another tenant (its own submit key) cannot scan it, plan it, write into it
   * or read the service's key files, and gets the answer a path that does not exist gets; the owner can scan it.
   */
  private void tenantsUseOnlyTheirOwnOutputs(String output) throws Exception {
    HttpResponse<String> created = post("/api/v1/keys", "{\"name\": \"other\", \"role\": \"submit\", "
        + "\"tenant\": \"other-tenant\"}", adminKey());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String other = JSON.readTree(created.body()).get("key").asText();
    String answer = ": not found or not allowed (see beear.sources.allowed-roots)";
    String missing = data.resolve("beear/outputs").resolve(java.util.UUID.randomUUID().toString()).toUri().toString();
    String adminKeyFile = data.resolve("beear/admin.key").toUri().toString();
    String organism = TestOrganisms.xs("suffix-short").toUri().toString();

    for (String uri : List.of(output, missing)) {
      assertThat(detail(post("/api/v1/scan-jobs", "{\"model_uri\": \"" + uri + "\"}", other), 400))
          .isEqualTo("model_uri: " + uri + answer);
      assertThat(detail(post("/api/v1/plans", "{\"model_uri\": \"" + uri + "\"}", other), 400))
          .isEqualTo("model_uri: " + uri + answer);
    }
    assertThat(detail(post("/api/v1/cleanse-jobs", "{\"model_uri\": \"" + organism + "\", \"output_uri\": \""
        + output + "/sub\"}", other), 400)).startsWith("output_uri: " + output + "/sub: not allowed as an output");
    assertThat(detail(post("/api/v1/cleanse-jobs", "{\"model_uri\": \"" + organism + "\", "
        + "\"defender_data_uri\": \"" + adminKeyFile + "\"}", other), 400))
        .isEqualTo("defender_data_uri: " + adminKeyFile + answer);
    assertThat(Path.of(URI.create(output + "/sub"))).doesNotExist();

    assertThat(post("/api/v1/plans", "{\"model_uri\": \"" + output + "\"}", adminKey()).statusCode())
        .as("the owner plans its cleansed model").isEqualTo(200);
    HttpResponse<String> scan = post("/api/v1/scan-jobs", "{\"model_uri\": \"" + output + "\"}", adminKey());
    assertThat(scan.statusCode()).as("the owner scans its cleansed model: " + scan.body()).isEqualTo(201);
    String scanId = JSON.readTree(scan.body()).get("id").asText();
    assertThat(post("/api/v1/scan-jobs/" + scanId + "/cancel", "", adminKey()).statusCode()).isIn(200, 202);
  }

  private HttpResponse<String> post(String path, String body, String key) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String detail(HttpResponse<String> response, int status) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    return JSON.readTree(response.body()).get("detail").asText();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + adminKey()).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Generated on the service's first start: this test's data directory is new. */
  private static String adminKey() throws java.io.IOException {
    return Files.readString(data.resolve("beear").resolve("admin.key")).trim();
  }
}
