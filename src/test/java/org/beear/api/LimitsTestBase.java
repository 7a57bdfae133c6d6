package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.bucket4j.TimeMeter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.beear.app.BeearApplication;
import org.beear.app.SteppingCleanseEngine;
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
 * A context of its own for the limits of issue #13, point 6: an API-only replica (no worker, so jobs stay queued and
 * queue counts hold still) in its own data directory, with small per-tenant limits and a rate limiter whose time the
 * tests move on. Every test works in tenants of its own. Sizes keep their defaults.
 */
@SpringBootTest(classes = BeearApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "beear.worker.enabled=false",
        "beear.security.bootstrap-key=" + LimitsTestBase.ADMIN_KEY,
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
@Import(LimitsTestBase.Fixtures.class)
abstract class LimitsTestBase {

  static final String ADMIN_KEY = "bk_admin-key-of-the-limits-test-0123456789abcdef";
  static final Path ROOT = createRoot();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final String JOBS = "/api/v1/cleanse-jobs";

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

  /** A submit key of a tenant of its own. */
  String tenantKey() {
    String tenant = "limits-" + UUID.randomUUID().toString().substring(0, 8);
    HttpResponse<String> created = send(HttpRequest.newBuilder(URI.create(url("/api/v1/keys")))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + ADMIN_KEY)
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"name\": \"" + tenant + "\", \"role\": \"submit\", \"tenant\": \"" + tenant + "\"}")));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return json(created).get("key").asText();
  }

  long jobsOf(String key) {
    return json(send(HttpRequest.newBuilder(URI.create(url(JOBS))).header("X-API-Key", key).GET()))
        .get("total").asLong();
  }

  HttpResponse<String> submit(String key, String body, String... headers) {
    HttpRequest.Builder request = post(JOBS, key).POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request);
  }

  HttpRequest.Builder post(String path, String key) {
    return HttpRequest.newBuilder(URI.create(url(path))).header("Content-Type", "application/json")
        .header("X-API-Key", key);
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    return send(request.build());
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  JsonNode problem(HttpResponse<String> response, int status) {
    return json(problemResponse(response, status));
  }

  HttpResponse<String> problemResponse(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(json(response).get("status").asInt()).isEqualTo(status);
    return response;
  }

  static String field(JsonNode problem) {
    JsonNode error = problem.get("errors").get(0);
    return error.get("field").asText() + ": " + error.get("message").asText();
  }

  JsonNode json(HttpResponse<String> response) {
    try {
      return mapper.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  static String jobBody(String modelUri, String outputUri) {
    return "{\"model_uri\": \"" + modelUri + "\", " + (outputUri == null ? "" : "\"output_uri\": \"" + outputUri
        + "\", ") + "\"options\": {\"max_epochs\": 1}}";
  }

  static String withTriggers(String modelUri, int count) {
    StringBuilder triggers = new StringBuilder();
    for (int i = 0; i < count; i++) {
      triggers.append(i == 0 ? "" : ", ").append("{\"text\": \"trigger ").append(i)
          .append("\", \"position\": \"prefix\"}");
    }
    return "{\"model_uri\": \"" + modelUri + "\", \"evaluation\": {\"triggers\": [" + triggers + "]}}";
  }

  static String fileUri(Path path) {
    return path.toUri().toString();
  }

  /** A model directory the test engine accepts. */
  static Path model() throws IOException {
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
