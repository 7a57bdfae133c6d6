package org.beear.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.UUID;
import java.util.function.Predicate;
import org.beear.beear.CleanseEngine;
import org.beear.job.JobService;
import org.beear.source.FakeHub;
import org.beear.source.S3TestServer;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * One Spring context for every service test: the real application on a random port, the embedded PostgreSQL in
 * a fresh temporary data directory, one worker with short leases, {@link SteppingCleanseEngine}, and the S3 server
 * of {@link S3TestServer} (started with the context, on 127.0.0.1) as the service's S3 endpoint. Security is on
 * as it ships: the bootstrap admin key is generated into the data directory, a metrics key is configured as a
 * deployment would, OIDC tokens of a {@link TestIssuer} on loopback are accepted, and every request of the helpers
 * below carries a submit key of the bootstrap tenant unless it has credentials of its own.
 */
@SpringBootTest(classes = BeearApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "beear.worker.lease=2s",
        "beear.worker.heartbeat-interval=300ms",
        "beear.worker.reaper-interval=300ms",
        "beear.worker.poll-interval=100ms",
        "beear.worker.cancel-poll-interval=100ms",
        "beear.events.stream-poll-interval=100ms",
        "beear.security.metrics-key=" + ServiceTestBase.METRICS_KEY,
        "beear.metrics.queue-depth-cache=100ms",
        // these tests submit in bursts (1,000 jobs at once); LimitsTest checks the per-tenant limits on its own
        "beear.limits.job-creation-rate.burst=1000000",
        "beear.limits.job-creation-rate.jobs=1000000",
        "beear.limits.max-queued-jobs-per-tenant=1000000",
        // the tests' model servers listen on 127.0.0.1; other loopback addresses stay refused
        "beear.sources.egress.allow=127.0.0.1/32",
        // the tests' S3 server (S3TestServer, on 127.0.0.1); parts as small as S3 allows
        "beear.sources.s3.region=" + S3TestServer.REGION,
        "beear.sources.s3.path-style=true",
        "beear.sources.s3.access-key-id=" + S3TestServer.ACCESS_KEY,
        "beear.sources.s3.secret-access-key=" + S3TestServer.SECRET_KEY,
        "beear.sources.s3.multipart-threshold=5MB",
        "beear.sources.s3.part-size=5MB",
        "spring.main.banner-mode=off",
        "logging.level.root=WARN",
        "logging.level.org.beear.worker.JobRun=ERROR",
        "logging.level.org.springdoc=ERROR"})
@AutoConfigureObservability
@Import(ServiceTestBase.TestEngine.class)
public abstract class ServiceTestBase {

  protected static final Path ROOT = createRoot();
  protected static final Path MODELS = ROOT.resolve("models");
  protected static final String METRICS_KEY = "bk_metrics-key-of-the-service-tests-0123456789";
  protected static final String TENANT = "default";
  protected static final TestIssuer ISSUER = new TestIssuer();
  /** The hub hf:// models come from (beear.sources.hub.endpoint), with the service's token configured. */
  protected static final FakeHub HUB = FakeHub.start();
  private static final Map<String, String> KEYS = new ConcurrentHashMap<>();
  protected static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @LocalServerPort
  protected int port;
  @Autowired
  protected ObjectMapper mapper;
  @Autowired
  protected JdbcTemplate jdbc;
  @Autowired
  protected SteppingCleanseEngine engine;
  @Autowired
  protected JobService jobService;
  @Autowired
  protected MovableClock clock;

  @DynamicPropertySource
  static void dataDirectories(DynamicPropertyRegistry registry) {
    registry.add("beear.data-dir", () -> ROOT.resolve("data").toString());
    registry.add("beear.sources.allowed-roots[0]", ROOT::toString);
    registry.add("beear.sources.s3.endpoint", () -> S3TestServer.shared().endpoint().toString());
    registry.add("beear.security.oidc.issuer", ISSUER::issuer);
    registry.add("beear.security.oidc.jwk-set-uri", ISSUER::jwkSetUri);
    registry.add("beear.security.oidc.audience", () -> TestIssuer.AUDIENCE);
    registry.add("beear.sources.hub.endpoint", HUB::endpoint);
    registry.add("beear.sources.hub.token", () -> FakeHub.TOKEN);
  }

  /** The bootstrap admin key the service generated on its first start. */
  protected static Path adminKeyFile() {
    return ROOT.resolve("data").resolve("admin.key");
  }

  protected static String adminKey() {
    try {
      return Files.readString(adminKeyFile()).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A key with this role in this tenant, created once through the key API with the admin key. */
  protected String key(String role, String tenant) {
    return KEYS.computeIfAbsent(role + "@" + tenant, k -> {
      HttpResponse<String> created = postJson("/api/v1/keys",
          "{\"name\": \"test-" + k + "\", \"role\": \"" + role + "\", \"tenant\": \"" + tenant + "\"}",
          "Authorization", "Bearer " + adminKey());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      return json(created).get("key").asText();
    });
  }

  /** What the helpers send when a request has no credentials of its own. */
  protected String defaultKey() {
    return key("submit", TENANT);
  }

  @TestConfiguration(proxyBeanMethods = false)
  static class TestEngine {
    @Bean
    @Primary
    SteppingCleanseEngine steppingCleanseEngine() {
      return new SteppingCleanseEngine();
    }

    @Bean
    @Primary
    MovableClock movableClock() {
      return new MovableClock();
    }
  }

  private static Path createRoot() {
    try {
      Path root = Files.createTempDirectory("beear-service-test").toRealPath();
      Files.createDirectories(root.resolve("models"));
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Leaves no job queued or running behind, so the next test has the (single) worker to itself. */
  @AfterEach
  void drainJobs() throws Exception {
    engine.stepMillis = 15;
    engine.weightsBytes = 0;
    for (Map<String, Object> job : jdbc.queryForList(
        "SELECT id::text AS id, tenant FROM jobs WHERE status IN ('queued', 'running')")) {
      try {
        jobService.cancel((String) job.get("tenant"), (String) job.get("id"));
      } catch (RuntimeException finishedMeanwhile) {
        // it ended between the query and the cancel
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (jdbc.queryForObject("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')", Long.class) > 0) {
      assertThat(System.nanoTime()).as("jobs still running after cancel").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /**
   * A model directory the test engine accepts (or rejects, for another architecture). Its config.json is a real one
   * of a tiny decoder, so submissions are planned by the real memory planner.
   */
  protected static Path model(String name, String modelType) throws IOException {
    return model(name, modelType, """
        "vocab_size": 100, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4""");
  }

  /** A model directory with the given shape fields in its config.json (a real model's, for planning). */
  protected static Path model(String name, String modelType, String shape) throws IOException {
    Path dir = MODELS.resolve(name);
    Files.createDirectories(dir);
    String architecture = modelType.equals("mistral") ? "MistralForCausalLM" : "LlamaForCausalLM";
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"" + modelType + "\", \"architectures\": [\""
        + architecture + "\"], " + shape + "}");
    Files.writeString(dir.resolve("model.safetensors"), "not really weights");
    return dir;
  }

  protected static Path model(String name) throws IOException {
    return model(name, "llama");
  }

  /** A copy of a trained xs organism inside the service's allowed roots, for the real scanner. */
  protected static Path organism(String setting) {
    return copyModel(org.beear.organism.TestOrganisms.xs(setting), "organism-" + setting);
  }

  protected static Path copyModel(Path from, String name) {
    Path dir = MODELS.resolve(name);
    try {
      if (Files.isRegularFile(dir.resolve("config.json"))) {
        return dir;
      }
      Files.createDirectories(dir);
      try (java.util.stream.Stream<Path> files = Files.list(from)) {
        for (Path f : files.toList()) {
          Files.copy(f, dir.resolve(f.getFileName()));
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  protected static String fileUri(Path path) {
    return path.toUri().toString();
  }

  protected String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  protected HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).GET().build());
  }

  /** GET with this key (or token) as a bearer token. */
  protected HttpResponse<String> get(String path, String key) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).header("Authorization", "Bearer " + key).GET().build());
  }

  protected HttpResponse<String> postJson(String path, String body, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request.build());
  }

  /** Sends the request, with the default key unless it carries credentials. */
  protected HttpResponse<String> send(HttpRequest request) {
    return sendAnonymously(withDefaultKey(request));
  }

  protected HttpRequest withDefaultKey(HttpRequest request) {
    if (request.headers().firstValue("Authorization").isPresent()
        || request.headers().firstValue("X-API-Key").isPresent()) {
      return request;
    }
    return HttpRequest.newBuilder(request, (name, value) -> true)
        .header("Authorization", "Bearer " + defaultKey()).build();
  }

  /** Sends the request exactly as it is: no key is added. */
  protected HttpResponse<String> sendAnonymously(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  protected JsonNode json(HttpResponse<String> response) {
    try {
      return mapper.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Submits a job on a fresh model and returns its id. */
  protected String submit(String body) {
    HttpResponse<String> response = postJson("/api/v1/cleanse-jobs", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return json(response).get("id").asText();
  }

  protected JsonNode job(String id) {
    return jobAt("/api/v1/cleanse-jobs/" + id);
  }

  /** The job at this path ({@code /api/v1/scan-jobs/ID}), which must answer 200. */
  protected JsonNode jobAt(String path) {
    HttpResponse<String> response = get(path);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response);
  }

  /** Polls the job over HTTP until the condition holds. */
  protected JsonNode awaitJob(String id, Predicate<JsonNode> condition, Duration timeout) throws InterruptedException {
    return awaitJobAt("/api/v1/cleanse-jobs/" + id, condition, timeout);
  }

  /** Polls the job at this path until the condition holds. */
  protected JsonNode awaitJobAt(String path, Predicate<JsonNode> condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode job = jobAt(path);
    while (!condition.test(job)) {
      assertThat(System.nanoTime()).as("job %s never reached the expected state; last: %s", path, job)
          .isLessThan(deadline);
      Thread.sleep(50);
      job = jobAt(path);
    }
    return job;
  }

  protected JsonNode awaitStatus(String id, String status) throws InterruptedException {
    return awaitJob(id, j -> j.get("status").asText().equals(status), Duration.ofSeconds(30));
  }

  protected List<String> statusEvents(String id) {
    return jdbc.queryForList("SELECT data->>'status' FROM job_events WHERE job_id = ?::uuid AND type = 'status' "
        + "ORDER BY id", String.class, id);
  }

  /** The service's Prometheus exposition, read with the metrics key. */
  protected String scrape() {
    HttpResponse<String> response = get("/actuator/prometheus", METRICS_KEY);
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** How much a series grew between two scrapes (a series absent before counts from 0). */
  protected static double increase(String before, String after, String series) {
    return value(after, series) - (has(before, series) ? value(before, series) : 0);
  }

  protected static boolean has(String exposition, String series) {
    return java.util.Arrays.stream(exposition.split("\n")).anyMatch(l -> l.startsWith(series + " "));
  }

  /** A series' value in an exposition; fails when it is not there. */
  protected static double value(String exposition, String series) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no series " + series + " in /actuator/prometheus");
  }

  protected static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
