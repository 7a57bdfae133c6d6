package org.beear.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks the compose stack's Prometheus config and alert rules with promtool (Debian package `prometheus`).
 * Skipped where promtool is not installed; CI installs it.
 */
class PromtoolConfigTest {
  private static final Path CONFIG = Path.of("docker/prometheus/prometheus.yml");
  private static final Path RULES = Path.of("docker/prometheus/alerts.yml");
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static String promtool;

  @BeforeAll
  static void findPromtool() {
    promtool = ExternalProcess.onPath("promtool").map(Path::toString).orElse(null);
    assumeTrue(promtool != null, "promtool not installed (apt-get install prometheus)");
  }

  @Test
  void composePrometheusConfigAndItsRuleFilesAreValid(@TempDir Path dir) throws Exception {
    // As in the container: the rules next to the config and the metrics key that beear-init writes into the
    // prometheus-secrets volume (mounted at secrets/ beside prometheus.yml).
    Path config = etcPrometheus(dir);
    Files.createDirectories(dir.resolve("secrets"));
    Files.writeString(dir.resolve("secrets/metrics-key"), "bk_" + "x".repeat(40));
    ExternalProcess.Result result = promtool("check", "config", config.toString());
    assertEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("SUCCESS: 1 rule files found"), "alerts.yml is loaded: " + result.output());
  }

  @Test
  void theBeearJobsNeedTheMetricsKeyFile(@TempDir Path dir) throws Exception {
    ExternalProcess.Result result = promtool("check", "config", etcPrometheus(dir).toString());
    assertNotEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("secrets/metrics-key"), result.output());
  }

  @Test
  void alertRulesAreValid() throws Exception {
    ExternalProcess.Result result = promtool("check", "rules", RULES.toString());
    assertEquals(0, result.exitCode(), result.output());
  }

  @Test
  void alertsFireOnlyWhenTheyShould(@TempDir Path dir) throws Exception {
    String tests = Files.readString(Path.of("src/test/resources/deploy/alerts-test.yml"))
        .replace("RULE_FILE", RULES.toAbsolutePath().toString());
    Path testFile = Files.writeString(dir.resolve("alerts-test.yml"), tests);
    ExternalProcess.Result result = promtool("test", "rules", testFile.toString());
    assertEquals(0, result.exitCode(), result.output());
  }

  /** Real Prometheus, the compose beear-api job as written: the metrics endpoint sees the key from the file. */
  @Test
  void prometheusSendsTheMetricsKeyFromItsFileAsABearerToken(@TempDir Path dir) throws Exception {
    assumeTrue(PrometheusHarness.binary().isPresent(), "prometheus not installed");
    String key = "bk_" + "k".repeat(40);
    Files.createDirectories(dir.resolve("secrets"));
    Files.writeString(dir.resolve("secrets/metrics-key"), key + "\n");
    Map<String, Object> job = composeJob("beear-api");

    List<String> seen = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/actuator/prometheus", exchange -> {
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      seen.add(String.valueOf(authorization));
      byte[] body = "beear_queue_depth 0\n".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(("Bearer " + key).equals(authorization) ? 200 : 401, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    try (PrometheusHarness prometheus = PrometheusHarness.start(dir, job,
        List.of("127.0.0.1:" + server.getAddress().getPort()))) {
      Instant deadline = Instant.now().plusSeconds(30);
      double up = 0;
      while (up < 1 && Instant.now().isBefore(deadline)) {
        Thread.sleep(500);
        up = prometheus.query("up{job=\"beear-api\"}").stream()
            .flatMap(s -> s.values().stream()).findFirst().orElse(0.0);
      }
      assertEquals(1.0, up, "scrapes seen with Authorization: " + seen);
      assertEquals(Set.of("Bearer " + key), Set.copyOf(seen), "every scrape carries the key, trimmed");
    } finally {
      server.stop(0);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> composeJob(String name) throws Exception {
    Map<String, Object> config = new Yaml().load(Files.readString(CONFIG));
    return ((List<Map<String, Object>>) config.get("scrape_configs")).stream()
        .filter(job -> name.equals(job.get("job_name"))).findFirst().orElseThrow();
  }

  private static Path etcPrometheus(Path dir) throws Exception {
    Files.copy(RULES, dir.resolve("alerts.yml"));
    return Files.copy(CONFIG, dir.resolve("prometheus.yml"));
  }

  private static ExternalProcess.Result promtool(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(promtool));
    command.addAll(List.of(args));
    return ExternalProcess.run(command, Map.of(), TIMEOUT);
  }
}
