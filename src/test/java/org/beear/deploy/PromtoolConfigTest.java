package org.beear.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
  void composePrometheusConfigAndItsRuleFilesAreValid() throws Exception {
    ExternalProcess.Result result = promtool("check", "config", CONFIG.toString());
    assertEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("SUCCESS: 1 rule files found"), "alerts.yml is loaded: " + result.output());
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

  private static ExternalProcess.Result promtool(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(promtool));
    command.addAll(List.of(args));
    return ExternalProcess.run(command, Map.of(), TIMEOUT);
  }
}
