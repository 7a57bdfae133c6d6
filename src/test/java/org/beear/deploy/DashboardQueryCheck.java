package org.beear.deploy;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs every query of a dashboard against a Prometheus and lists those that would leave a panel empty: a query
 * Prometheus rejects, one with no series, or one whose series hold no finite value (e.g. only NaN quantiles).
 * Panel queries run as range queries over the harness's lifetime, as Grafana's time-series panels do.
 */
final class DashboardQueryCheck {
  private DashboardQueryCheck() {}

  static List<String> emptyPanels(GrafanaDashboard dashboard, PrometheusHarness prometheus)
      throws IOException, InterruptedException {
    List<String> problems = new ArrayList<>();
    Instant end = Instant.now();
    for (GrafanaDashboard.Query query : dashboard.panelQueries()) {
      check(query, problems, () -> prometheus.queryRange(query.promql(), prometheus.startedAt(), end, Duration.ofSeconds(1)));
    }
    for (GrafanaDashboard.Query query : dashboard.variableQueries()) {
      check(query, problems, () -> prometheus.query(query.promql()));
    }
    return problems;
  }

  private interface Evaluation {
    List<PrometheusHarness.Series> run() throws IOException, InterruptedException;
  }

  private static void check(GrafanaDashboard.Query query, List<String> problems, Evaluation evaluation)
      throws IOException, InterruptedException {
    try {
      List<PrometheusHarness.Series> series = evaluation.run();
      if (series.isEmpty()) {
        problems.add(query.source() + ": no series for " + query.promql());
      } else if (series.stream().noneMatch(PrometheusHarness.Series::hasFiniteValue)) {
        problems.add(query.source() + ": only NaN/Inf values for " + query.promql());
      }
    } catch (IllegalArgumentException rejected) {
      problems.add(query.source() + ": rejected (" + rejected.getMessage() + ") " + query.promql());
    }
  }
}
