package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.bucket4j.TimeMeter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.beear.app.BeearApplication;
import org.beear.app.SteppingCleanseEngine;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
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
 * The limits of issue #13, point 6, as a client meets them. A context of its own: an API-only replica (no worker, so
 * jobs stay queued and queue counts hold still) in its own data directory, with small per-tenant limits and a rate
 * limiter whose time the tests move on. Every test works in tenants of its own. Sizes keep their defaults.
 */
@SpringBootTest(classes = BeearApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "beear.worker.enabled=false",
        "beear.security.bootstrap-key=" + LimitsTest.ADMIN_KEY,
        "beear.events.stream-poll-interval=50ms",
        "beear.events.stream-heartbeat=50ms",
        "beear.limits.job-creation-rate.jobs=2",
        "beear.limits.job-creation-rate.per=1m",
        "beear.limits.job-creation-rate.burst=3",
        "beear.limits.max-queued-jobs-per-tenant=4",
        "beear.limits.max-event-streams-per-tenant=2",
        "spring.main.banner-mode=off",
        "logging.level.root=WARN",
        "logging.level.org.springdoc=ERROR"})
@Import(LimitsTest.Fixtures.class)
class LimitsTest {

  static final String ADMIN_KEY = "bk_admin-key-of-the-limits-test-0123456789abcdef";
  private static final Path ROOT = createRoot();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String JOBS = "/api/v1/cleanse-jobs";

  @LocalServerPort
  int port;
  @Autowired
  ObjectMapper mapper;
  @Autowired
  JdbcTemplate jdbc;
  @Autowired
  ManualTime time;

  @DynamicPropertySource
  static void dataDirectory(DynamicPropertyRegistry registry) {
    registry.add("beear.data-dir", () -> ROOT.resolve("data").toString());
    registry.add("beear.sources.allowed-roots[0]", () -> ROOT.toString());
  }

  /** The rate limiter's time: it moves only when a test moves it. */
  static final class ManualTime implements TimeMeter {
    private final AtomicLong nanos = new AtomicLong();

    @Override
    public long currentTimeNanos() {
      return nanos.get();
    }

    @Override
    public boolean isWallClockBased() {
      return false;
    }

    void advance(Duration duration) {
      nanos.addAndGet(duration.toNanos());
    }
  }

  @TestConfiguration(proxyBeanMethods = false)
  static class Fixtures {
    @Bean
    @Primary
    ManualTime manualTime() {
      return new ManualTime();
    }

    @Bean
    @Primary
    SteppingCleanseEngine steppingCleanseEngine() {
      return new SteppingCleanseEngine();
    }
  }

  // --- sizes ---

  @Test
  void aBodyOverOneMebibyteIsRefusedWith413WithOrWithoutContentLength() throws Exception {
    String key = tenantKey();
    String tooLong = jobBody(fileUri(model()), "file:///" + "a".repeat(1024 * 1024));
    String almost = jobBody(fileUri(model()), "file:///" + "a".repeat(1024 * 1024 - 200));

    JsonNode declared = problem(send(post(JOBS, key).POST(HttpRequest.BodyPublishers.ofString(tooLong))), 413);
    assertThat(declared.get("detail").asText()).isEqualTo("request body larger than 1 MiB");

    // no Content-Length: the body is chunked and counted as it is read
    HttpRequest chunked = post(JOBS, key).POST(HttpRequest.BodyPublishers.ofInputStream(
        () -> new ByteArrayInputStream(tooLong.getBytes(StandardCharsets.UTF_8)))).build();
    assertThat(chunked.bodyPublisher().orElseThrow().contentLength()).isNegative();
    JsonNode streamed = problem(send(chunked), 413);
    assertThat(streamed.get("detail").asText()).isEqualTo("request body larger than 1 MiB");
    assertThat(send(post("/api/v1/plans", key).POST(HttpRequest.BodyPublishers.ofInputStream(
        () -> new ByteArrayInputStream(tooLong.getBytes(StandardCharsets.UTF_8))))).statusCode()).isEqualTo(413);

    HttpResponse<String> under = send(post(JOBS, key).POST(HttpRequest.BodyPublishers.ofString(almost)));
    assertThat(under.statusCode()).as("just under 1 MiB is read, and refused for its URI").isEqualTo(400);
    assertThat(jobsOf(key)).isZero();
  }

  @Test
  void overlongUrisAndTooManyTriggersAreFieldProblems() throws Exception {
    String key = tenantKey();
    String model = fileUri(model());
    String longUri = "file://" + ROOT + "/" + "x".repeat(4096);

    JsonNode modelUri = problem(submit(key, "{\"model_uri\": \"" + longUri + "\"}"), 400);
    assertThat(field(modelUri)).isEqualTo("model_uri: longer than 4096 characters (" + longUri.length() + ")");
    JsonNode outputUri = problem(submit(key, jobBody(model, longUri)), 400);
    assertThat(field(outputUri)).startsWith("output_uri: longer than 4096 characters");
    JsonNode dataUri = problem(submit(key, "{\"model_uri\": \"" + model + "\", \"defender_data_uri\": \""
        + longUri + "\"}"), 400);
    assertThat(field(dataUri)).startsWith("defender_data_uri: longer than 4096 characters");

    JsonNode triggers = problem(submit(key, withTriggers(model, 17)), 400);
    assertThat(field(triggers)).isEqualTo("evaluation.triggers: at most 16 triggers per job, got 17");
    assertThat(jobsOf(key)).isZero();

    assertThat(submit(key, withTriggers(model, 16)).statusCode()).isEqualTo(201);
  }

  @Test
  void headersUpTo16KbAreReadAndLargerOnesAreRefusedByTheServer() throws Exception {
    String key = tenantKey();
    String body = jobBody(fileUri(model()), null);

    HttpResponse<String> big = send(post(JOBS, key).header("X-Trace-Context", "t".repeat(12 * 1024))
        .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(big.statusCode()).as("a 12 KB header, e.g. a large OIDC token").isEqualTo(201);

    HttpResponse<String> huge = send(post(JOBS, key).header("X-Trace-Context", "t".repeat(20 * 1024))
        .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(huge.statusCode()).isIn(400, 431);
    assertThat(jobsOf(key)).isEqualTo(1);
  }

  // --- per tenant ---

  @Test
  void aTenantCreatingJobsTooFastGets429WithRetryAfterUntilItsBucketRefills() throws Exception {
    String key = tenantKey();
    String body = jobBody(fileUri(model()), null);
    for (int i = 0; i < 3; i++) {
      assertThat(submit(key, body).statusCode()).as("burst of 3, job %d", i + 1).isEqualTo(201);
    }

    HttpResponse<String> refused = submit(key, body);
    JsonNode problem = problem(refused, 429);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("30");
    assertThat(problem.get("title").asText()).isEqualTo("Job creation rate exceeded");
    assertThat(problem.get("detail").asText()).contains("2 jobs per minute");
    assertThat(jobsOf(key)).isEqualTo(3);
    assertThat(submit(tenantKey(), body).statusCode()).as("another tenant has its own bucket").isEqualTo(201);

    time.advance(Duration.ofSeconds(29));
    HttpResponse<String> stillEarly = problemResponse(submit(key, body), 429);
    assertThat(stillEarly.headers().firstValue("Retry-After")).hasValue("1");
    time.advance(Duration.ofSeconds(1));
    assertThat(submit(key, body).statusCode()).isEqualTo(201);
  }

  @Test
  void aRateLimitedSubmissionBindsNoIdempotencyKeyAndAReplayIsNeverLimited() throws Exception {
    String key = tenantKey();
    String body = jobBody(fileUri(model()), null);
    HttpResponse<String> first = submit(key, body, "Idempotency-Key", "first");
    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(submit(key, body).statusCode()).isEqualTo(201);
    assertThat(submit(key, body).statusCode()).isEqualTo(201);

    HttpResponse<String> replay = submit(key, body, "Idempotency-Key", "first");
    assertThat(replay.statusCode()).as("a replay creates nothing, so it is not limited").isEqualTo(200);
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(json(replay).get("id")).isEqualTo(json(first).get("id"));
    problem(submit(key, body, "Idempotency-Key", "second"), 429);
    assertThat(jobsOf(key)).isEqualTo(3);

    time.advance(Duration.ofMinutes(1));
    String otherBody = body.replace("\"max_epochs\": 1", "\"max_epochs\": 2");
    HttpResponse<String> later = submit(key, otherBody, "Idempotency-Key", "second");
    assertThat(later.statusCode()).as("the refused request left the key unused: %s", later.body()).isEqualTo(201);
  }

  @Test
  void aTenantWithTooManyJobsQueuedOrRunningGets429AndOtherTenantsDoNot() throws Exception {
    String key = tenantKey();
    String body = jobBody(fileUri(model()), null);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      time.advance(Duration.ofHours(1)); // the rate is not what this test is about
      HttpResponse<String> created = submit(key, body);
      assertThat(created.statusCode()).isEqualTo(201);
      ids.add(json(created).get("id").asText());
    }
    // one of them claimed by a worker elsewhere: running counts as much as queued
    jdbc.update("UPDATE jobs SET status = 'running' WHERE id = ?::uuid", ids.get(0));

    time.advance(Duration.ofHours(1));
    HttpResponse<String> refused = submit(key, body, "Idempotency-Key", "fifth");
    JsonNode problem = problem(refused, 429);
    assertThat(problem.get("title").asText()).isEqualTo("Too many queued jobs");
    assertThat(problem.get("detail").asText()).contains("4 jobs queued or running");
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("60");
    assertThat(jobsOf(key)).isEqualTo(4);
    assertThat(submit(tenantKey(), body).statusCode()).as("another tenant's queue is its own").isEqualTo(201);

    assertThat(send(post(JOBS + "/" + ids.get(1) + "/cancel", key).POST(HttpRequest.BodyPublishers.noBody()))
        .statusCode()).isEqualTo(200);
    assertThat(submit(key, body, "Idempotency-Key", "fifth").statusCode()).as("a cancelled job frees its place")
        .isEqualTo(201);
  }

  @Test
  void aTenantMayHoldOnlySoManyEventStreamsAndAClosedStreamFreesItsSlot() throws Exception {
    String key = tenantKey();
    String body = jobBody(fileUri(model()), null);
    String job = json(submit(key, body)).get("id").asText();

    HttpResponse<InputStream> first = stream(job, key);
    HttpResponse<InputStream> second = stream(job, key);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(second.statusCode()).isEqualTo(200);

    HttpResponse<InputStream> third = stream(job, key);
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("Retry-After")).isPresent();
    third.body().close();

    String otherKey = tenantKey();
    HttpResponse<InputStream> otherTenants = stream(json(submit(otherKey, body)).get("id").asText(), otherKey);
    assertThat(otherTenants.statusCode()).as("another tenant's streams are its own").isEqualTo(200);
    otherTenants.body().close();

    // the client goes away: the server learns it at its next write and frees the slot
    first.body().close();
    HttpResponse<InputStream> reopened = awaitStream(job, key);

    // the job ends: its streams end, and their slots are free by the time the client sees the end
    assertThat(send(post(JOBS + "/" + job + "/cancel", key).POST(HttpRequest.BodyPublishers.noBody()))
        .statusCode()).isEqualTo(200);
    second.body().readAllBytes();
    reopened.body().readAllBytes();
    String next = json(submit(key, body)).get("id").asText();
    HttpResponse<InputStream> a = stream(next, key);
    HttpResponse<InputStream> b = stream(next, key);
    assertThat(List.of(a.statusCode(), b.statusCode())).containsExactly(200, 200);
    a.body().close();
    b.body().close();
  }

  // --- helpers ---

  private HttpResponse<InputStream> stream(String job, String key) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url(JOBS + "/" + job + "/events")))
        .header("Accept", "text/event-stream").header("X-API-Key", key).GET().build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
  }

  /** Opens a stream as soon as a slot is free: the server notices a departed client only when it next writes. */
  private HttpResponse<InputStream> awaitStream(String job, String key) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      HttpResponse<InputStream> response = stream(job, key);
      if (response.statusCode() != 429) {
        assertThat(response.statusCode()).isEqualTo(200);
        return response;
      }
      response.body().close();
      assertThat(System.nanoTime()).as("the closed stream's slot was never freed").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** A submit key of a tenant of its own. */
  private String tenantKey() {
    String tenant = "limits-" + UUID.randomUUID().toString().substring(0, 8);
    HttpResponse<String> created = send(HttpRequest.newBuilder(URI.create(url("/api/v1/keys")))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + ADMIN_KEY)
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"name\": \"" + tenant + "\", \"role\": \"submit\", \"tenant\": \"" + tenant + "\"}")));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return json(created).get("key").asText();
  }

  private long jobsOf(String key) {
    return json(send(HttpRequest.newBuilder(URI.create(url(JOBS))).header("X-API-Key", key).GET()))
        .get("total").asLong();
  }

  private HttpResponse<String> submit(String key, String body, String... headers) {
    HttpRequest.Builder request = post(JOBS, key).POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request);
  }

  private HttpRequest.Builder post(String path, String key) {
    return HttpRequest.newBuilder(URI.create(url(path))).header("Content-Type", "application/json")
        .header("X-API-Key", key);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    return send(request.build());
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private JsonNode problem(HttpResponse<String> response, int status) {
    return json(problemResponse(response, status));
  }

  private HttpResponse<String> problemResponse(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(json(response).get("status").asInt()).isEqualTo(status);
    return response;
  }

  private static String field(JsonNode problem) {
    JsonNode error = problem.get("errors").get(0);
    return error.get("field").asText() + ": " + error.get("message").asText();
  }

  private JsonNode json(HttpResponse<String> response) {
    try {
      return mapper.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  private static String jobBody(String modelUri, String outputUri) {
    return "{\"model_uri\": \"" + modelUri + "\", " + (outputUri == null ? "" : "\"output_uri\": \"" + outputUri
        + "\", ") + "\"options\": {\"max_epochs\": 1}}";
  }

  private static String withTriggers(String modelUri, int count) {
    StringBuilder triggers = new StringBuilder();
    for (int i = 0; i < count; i++) {
      triggers.append(i == 0 ? "" : ", ").append("{\"text\": \"trigger ").append(i)
          .append("\", \"position\": \"prefix\"}");
    }
    return "{\"model_uri\": \"" + modelUri + "\", \"evaluation\": {\"triggers\": [" + triggers + "]}}";
  }

  private static String fileUri(Path path) {
    return path.toUri().toString();
  }

  /** A model directory the test engine accepts. */
  private static Path model() throws IOException {
    Path dir = Files.createDirectories(ROOT.resolve("models").resolve(UUID.randomUUID().toString()));
    Files.writeString(dir.resolve("config.json"), """
        {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": 100, "hidden_size": 32,
         "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4}""");
    Files.writeString(dir.resolve("model.safetensors"), "not really weights");
    return dir;
  }

  private static Path createRoot() {
    try {
      return Files.createTempDirectory("beear-limits-test").toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
