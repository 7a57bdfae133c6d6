package org.beear.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every PromQL expression of the Grafana dashboard, evaluated by a real Prometheus that scraped an endpoint
 * serving the service's metric families, returns data (skipped where the prometheus binary is absent). Its SQL
 * panels are DashboardSqlTest's.
 */
class DashboardQueriesTest {
  private static final Path DASHBOARD = Path.of("docker/grafana/dashboards/beear.json");
  /** What Grafana would substitute with the compose Prometheus (15 s scrapes) over a short time range. */
  static final Map<String, String> GRAFANA_BUILTINS = Map.of(
      "__rate_interval", "1m", "__interval", "15s", "__range", "10m");

  @BeforeAll
  static void requirePrometheus() {
    assumeTrue(PrometheusHarness.binary().isPresent(), "prometheus not installed (apt-get install prometheus)");
  }

  @Test
  void everyDashboardQueryReturnsSeriesFromAScrapedService(@TempDir Path dir) throws Exception {
    GrafanaDashboard dashboard = new GrafanaDashboard(DASHBOARD, GRAFANA_BUILTINS);
    assertTrue(dashboard.panelQueries().size() >= 15, "dashboard has its panels: " + dashboard.panelQueries().size());

    try (BeearMetricsFixture service = new BeearMetricsFixture();
        PrometheusHarness prometheus = PrometheusHarness.start(dir, service.target(), BeearMetricsFixture.PATH)) {
      prometheus.awaitScrapes(4, Duration.ofSeconds(30));

      List<String> problems = DashboardQueryCheck.emptyPanels(dashboard, prometheus);
      assertTrue(problems.isEmpty(), "panels without data:\n" + String.join("\n", problems));
      assertTrue(service.scrapes() >= 4);
    }
  }

  @Test
  void dashboardShowsEveryBeearMetricFamily() throws Exception {
    String allQueries = new GrafanaDashboard(DASHBOARD, GRAFANA_BUILTINS).panelQueries().stream()
        .map(GrafanaDashboard.Query::promql).collect(Collectors.joining("\n"));
    List<String> missing = BeearMetricsFixture.BEEAR_FAMILIES.stream().filter(f -> !allQueries.contains(f)).toList();
    assertEquals(List.of(), missing, "metric families no panel shows");
  }

  /**
   * Prometheus panels read service metrics only (nothing per job), through the datasource variable; per-job results
   * come from the jobs table, through the PostgreSQL data source that compose and the chart provision.
   */
  @Test
  void prometheusPanelsHaveNoPerJobSeriesAndSqlPanelsReadThePostgresDatasource() throws Exception {
    JsonNode root = new ObjectMapper().readTree(DASHBOARD.toFile());
    assertFalse(root.path("templating").toString().contains("job_id"), "no job variable");
    int sqlPanels = 0;
    for (JsonNode panel : root.path("panels")) {
      if (panel.path("type").asText().equals("row")) {
        continue;
      }
      String title = panel.path("title").asText();
      JsonNode datasource = panel.path("datasource");
      boolean sql = datasource.path("uid").asText().equals(GrafanaDashboard.POSTGRES_UID);
      if (sql) {
        sqlPanels++;
        assertEquals("grafana-postgresql-datasource", datasource.path("type").asText(), title);
      } else {
        assertEquals("prometheus", datasource.path("type").asText(), title);
        assertEquals("${datasource}", datasource.path("uid").asText(), title);
      }
      assertTrue(panel.path("targets").size() > 0, title + " has no query");
      for (JsonNode target : panel.path("targets")) {
        assertEquals(datasource, target.path("datasource"), title + ": target and panel name the same datasource");
        assertEquals(sql, target.hasNonNull("rawSql"), title + ": SQL exactly on the PostgreSQL datasource");
        assertEquals(!sql, target.hasNonNull("expr"), title + ": PromQL exactly on Prometheus");
        if (!sql) {
          assertFalse((target.path("expr").asText() + target.path("legendFormat").asText()).contains("job_id"),
              title + ": a series per job");
        }
      }
    }
    assertTrue(sqlPanels >= 7, "the ASR-trend section's panels: " + sqlPanels);
    List<String> variables = new ArrayList<>();
    root.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
    assertEquals(List.of("datasource", "window"), variables);
  }

  @Test
  void harnessReportsMissingSeriesAndRejectedQueries(@TempDir Path dir) throws Exception {
    try (BeearMetricsFixture service = new BeearMetricsFixture();
        PrometheusHarness prometheus = PrometheusHarness.start(dir, service.target(), BeearMetricsFixture.PATH)) {
      prometheus.awaitScrapes(2, Duration.ofSeconds(30));
      // A metric the service never exposes: no series, which the dashboard check must flag.
      assertTrue(prometheus.query("beear_no_such_metric").isEmpty());
      // Real values come back with their labels.
      List<PrometheusHarness.Series> depth = prometheus.query("beear_queue_depth");
      assertEquals(1, depth.size());
      assertEquals(2.0, depth.get(0).values().get(0), 1e-9);
      assertEquals("target", depth.get(0).labels().get("job"));
      // Syntax errors are reported as rejections, not as empty results.
      assertThrows(IllegalArgumentException.class, () -> prometheus.query("sum(rate(beear_jobs_total[1m])"));
    }
  }

  @Test
  void harnessScrapesOnlyLoopbackTargets(@TempDir Path dir) {
    assertThrows(IllegalArgumentException.class, () -> PrometheusHarness.start(dir, "10.1.2.3:8080", "/metrics"));
    assertThrows(IllegalArgumentException.class, () -> PrometheusHarness.start(dir, "example.org:80", "/metrics"));
    assertFalse(dir.resolve("prometheus.yml").toFile().exists(), "nothing started for a refused target");
  }
}
