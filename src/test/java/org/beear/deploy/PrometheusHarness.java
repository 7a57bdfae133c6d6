package org.beear.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (the `prometheus` binary on PATH) scraping one loopback target every second, for
 * checking PromQL (e.g. every dashboard expression) against real scraped data.
 *
 * <pre>{@code
 * try (var prometheus = PrometheusHarness.start(dir, "127.0.0.1:8080", "/actuator/prometheus")) {
 *   prometheus.awaitScrapes(3, Duration.ofSeconds(30));
 *   List<Series> series = prometheus.query("sum(beear_jobs_running)");
 * }
 * }</pre>
 *
 * Only loopback addresses are scraped or listened on; every wait is bounded; close() always ends the process.
 */
public final class PrometheusHarness implements AutoCloseable {
  /** The job name of the scraped target in the generated config. */
  public static final String JOB = "target";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);

  private final Process process;
  private final Path log;
  private final String baseUrl;
  private final Instant startedAt;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();
  private final ObjectMapper json = new ObjectMapper();

  /** One series of a query result: its labels and its values (one for an instant query, one per step for a range). */
  public record Series(Map<String, String> labels, List<Double> values) {
    public boolean hasFiniteValue() {
      return values.stream().anyMatch(Double::isFinite);
    }
  }

  private PrometheusHarness(Process process, Path log, int port, Instant startedAt) {
    this.process = process;
    this.log = log;
    this.baseUrl = "http://127.0.0.1:" + port;
    this.startedAt = startedAt;
  }

  public static Optional<Path> binary() {
    return ExternalProcess.onPath("prometheus");
  }

  /**
   * Starts Prometheus with its data and config in {@code workDir}, scraping {@code target} ("127.0.0.1:PORT" or
   * "localhost:PORT") at {@code metricsPath} every second, and waits until its HTTP API is ready.
   */
  public static PrometheusHarness start(Path workDir, String target, String metricsPath) throws IOException, InterruptedException {
    return start(workDir, target, metricsPath, null);
  }

  /**
   * As {@link #start(Path, String, String)}, sending the bearer token in {@code credentialsFile} with every scrape
   * (as a deployment's scrape config does with the service's metrics key); null sends none.
   */
  public static PrometheusHarness start(Path workDir, String target, String metricsPath, Path credentialsFile)
      throws IOException, InterruptedException {
    requireLoopback(target);
    Path binary = binary().orElseThrow(() -> new IllegalStateException("prometheus binary not on PATH"));
    Path config = Files.writeString(workDir.resolve("prometheus.yml"), """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: %s
            metrics_path: %s
            static_configs:
              - targets: ['%s']
        """.formatted(JOB, metricsPath, target) + (credentialsFile == null ? "" : """
            authorization:
              type: Bearer
              credentials_file: %s
        """.formatted(credentialsFile.toAbsolutePath())));
    return launch(binary, workDir, config);
  }

  /**
   * Starts Prometheus with one scrape job as written in a real config (authorization and all), its targets
   * given as static loopback targets, scraped every second. Relative file paths in the job resolve against
   * {@code workDir}.
   */
  public static PrometheusHarness start(Path workDir, Map<String, Object> scrapeJob, List<String> targets)
      throws IOException, InterruptedException {
    for (String target : targets) {
      requireLoopback(target);
    }
    Path binary = binary().orElseThrow(() -> new IllegalStateException("prometheus binary not on PATH"));
    Map<String, Object> job = new LinkedHashMap<>(scrapeJob);
    job.keySet().removeIf(key -> key.endsWith("_sd_configs") || key.equals("static_configs"));
    job.put("static_configs", List.of(Map.of("targets", targets)));
    job.put("scrape_interval", "1s");
    job.put("scrape_timeout", "1s");
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("global", Map.of("scrape_interval", "1s", "evaluation_interval", "1s"));
    config.put("scrape_configs", List.of(job));
    Path file = Files.writeString(workDir.resolve("prometheus.yml"), new org.yaml.snakeyaml.Yaml().dump(config));
    return launch(binary, workDir, file);
  }

  private static PrometheusHarness launch(Path binary, Path workDir, Path config) throws IOException, InterruptedException {
    int port = freeLoopbackPort();
    Path log = workDir.resolve("prometheus.log");
    Process process = new ProcessBuilder(binary.toString(),
        "--config.file=" + config,
        "--storage.tsdb.path=" + workDir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port,
        "--log.level=warn")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    PrometheusHarness harness = new PrometheusHarness(process, log, port, Instant.now());
    try {
      harness.awaitReady();
    } catch (RuntimeException | IOException | InterruptedException e) {
      harness.close();
      throw e;
    }
    return harness;
  }

  public Instant startedAt() {
    return startedAt;
  }

  /** Waits until the target was scraped successfully at least {@code scrapes} times. */
  public void awaitScrapes(int scrapes, Duration timeout) throws IOException, InterruptedException {
    String promql = "sum_over_time(up{job=\"" + JOB + "\"}[10m])";
    Instant deadline = Instant.now().plus(timeout);
    double seen = 0;
    while (Instant.now().isBefore(deadline)) {
      seen = query(promql).stream().flatMap(s -> s.values().stream()).findFirst().orElse(0.0);
      if (seen >= scrapes) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("only " + seen + " successful scrapes of the target after " + timeout + "\n" + logTail());
  }

  /** Evaluates an instant query at the current time. */
  public List<Series> query(String promql) throws IOException, InterruptedException {
    return parse(get("/api/v1/query?query=" + encode(promql)), promql);
  }

  /** Evaluates a range query, as a Grafana time-series panel does. */
  public List<Series> queryRange(String promql, Instant start, Instant end, Duration step) throws IOException, InterruptedException {
    return parse(get("/api/v1/query_range?query=" + encode(promql)
        + "&start=" + start.getEpochSecond() + "&end=" + (end.getEpochSecond() + 1)
        + "&step=" + Math.max(1, step.getSeconds())), promql);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void awaitReady() throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("prometheus exited with " + process.exitValue() + "\n" + logTail());
      }
      try {
        HttpResponse<String> response = http.send(request("/-/ready"), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException notYetListening) {
        // keep polling until the deadline
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("prometheus not ready after " + READY_TIMEOUT + "\n" + logTail());
  }

  private JsonNode get(String pathAndQuery) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request(pathAndQuery), HttpResponse.BodyHandlers.ofString());
    JsonNode body = json.readTree(response.body());
    if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      throw new IllegalArgumentException(body.path("errorType").asText() + ": " + body.path("error").asText());
    }
    return body.path("data");
  }

  private static List<Series> parse(JsonNode data, String promql) {
    String type = data.path("resultType").asText();
    List<Series> series = new ArrayList<>();
    switch (type) {
      case "vector", "matrix" -> {
        for (JsonNode item : data.path("result")) {
          Map<String, String> labels = new LinkedHashMap<>();
          item.path("metric").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
          List<Double> values = new ArrayList<>();
          if (item.has("value")) {
            values.add(sampleValue(item.path("value")));
          }
          for (JsonNode sample : item.path("values")) {
            values.add(sampleValue(sample));
          }
          series.add(new Series(labels, values));
        }
      }
      case "scalar" -> series.add(new Series(Map.of(), List.of(sampleValue(data.path("result")))));
      default -> throw new IllegalArgumentException("unexpected result type " + type + " for " + promql);
    }
    return series;
  }

  /** A sample is [timestamp, "value"]; Prometheus writes NaN and infinities as strings too. */
  private static double sampleValue(JsonNode sample) {
    return Double.parseDouble(sample.get(1).asText().replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
  }

  private HttpRequest request(String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery)).timeout(HTTP_TIMEOUT).GET().build();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static void requireLoopback(String target) throws IOException {
    int colon = target.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("target must be host:port, got " + target);
    }
    String host = target.substring(0, colon).replace("[", "").replace("]", "");
    // Only "localhost" or an IP literal: resolving any other name would be a DNS query.
    boolean literal = host.matches("[0-9.]+") || host.contains(":");
    if (!host.equals("localhost") && !(literal && InetAddress.getByName(host).isLoopbackAddress())) {
      throw new IllegalArgumentException("only loopback targets may be scraped, got " + target);
    }
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
