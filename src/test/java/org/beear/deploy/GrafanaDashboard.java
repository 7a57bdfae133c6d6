package org.beear.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The queries of a Grafana dashboard JSON. PromQL: every panel target's {@code expr} (rows included) and every
 * {@code label_values} variable query, turned into plain PromQL by substituting the dashboard's variables the way
 * Grafana would with their current (default) values. SQL: every panel target's {@code rawSql}, with the time range
 * the panel shows (its relative-time override, else the dashboard's), for {@link GrafanaSqlMacros} to expand.
 */
final class GrafanaDashboard {
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\$(\\w+)|\\[\\[(\\w+)]]");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*(.+?)\\s*,\\s*(\\w+)\\s*\\)");

  /** The uid of the PostgreSQL data source of the SQL panels, as compose and the chart provision it. */
  static final String POSTGRES_UID = "beear-postgres";

  /** A query as Grafana would send it: where it comes from, the raw expression and its plain PromQL. */
  record Query(String source, String expr, String promql) {}

  /**
   * A SQL panel target: where it comes from, its SQL with Grafana's macros, its format (table or time_series) and
   * how far back from now the panel looks.
   */
  record SqlQuery(String source, String rawSql, String format, Duration range) {}

  private static final Pattern RELATIVE = Pattern.compile("(?:now-)?(\\d+)([smhdw])");

  private final JsonNode root;
  private final Map<String, String> variables = new HashMap<>();

  /**
   * @param builtins values for Grafana's built-in variables, e.g. {@code __rate_interval -> 1m}, {@code __range -> 10m}
   */
  GrafanaDashboard(Path json, Map<String, String> builtins) throws IOException {
    this.root = new ObjectMapper().readTree(json.toFile());
    variables.putAll(builtins);
    for (JsonNode variable : root.path("templating").path("list")) {
      currentValue(variable).ifPresent(v -> variables.put(variable.path("name").asText(), v));
    }
  }

  String title() {
    return root.path("title").asText();
  }

  /** Every panel target expression, in panel order. */
  List<Query> panelQueries() {
    List<Query> queries = new ArrayList<>();
    collectPanels(root.path("panels"), queries);
    return queries;
  }

  /** Variable queries such as {@code label_values(metric, label)} as PromQL that must return that label. */
  List<Query> variableQueries() {
    List<Query> queries = new ArrayList<>();
    for (JsonNode variable : root.path("templating").path("list")) {
      if (!"query".equals(variable.path("type").asText())) {
        continue;
      }
      JsonNode query = variable.path("query");
      String text = query.isTextual() ? query.asText() : query.path("query").asText();
      Matcher m = LABEL_VALUES.matcher(text);
      if (!m.matches()) {
        throw new IllegalArgumentException("variable " + variable.path("name").asText() + ": unsupported query " + text);
      }
      String promql = "count by (" + m.group(2) + ") (" + substitute(m.group(1)) + ")";
      queries.add(new Query("variable " + variable.path("name").asText(), text, promql));
    }
    return queries;
  }

  /** Every panel target written in SQL (a PostgreSQL data source's), in panel order. */
  List<SqlQuery> sqlQueries() {
    List<SqlQuery> queries = new ArrayList<>();
    Duration dashboardRange = relative(root.path("time").path("from").asText("now-6h"));
    collectSql(root.path("panels"), dashboardRange, queries);
    return queries;
  }

  private static void collectSql(JsonNode panels, Duration dashboardRange, List<SqlQuery> into) {
    for (JsonNode panel : panels) {
      Duration range = panel.hasNonNull("timeFrom") ? relative(panel.path("timeFrom").asText()) : dashboardRange;
      for (JsonNode target : panel.path("targets")) {
        String sql = target.path("rawSql").asText("");
        if (!sql.isBlank()) {
          String source = "panel '" + panel.path("title").asText() + "' target " + target.path("refId").asText();
          into.add(new SqlQuery(source, sql, target.path("format").asText("time_series"), range));
        }
      }
      collectSql(panel.path("panels"), dashboardRange, into);
    }
  }

  /** A Grafana relative time such as {@code now-6h} or a panel's {@code 30d}, as a duration back from now. */
  static Duration relative(String text) {
    Matcher m = RELATIVE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("unsupported relative time " + text);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> Duration.ofDays(7 * n);
    };
  }

  private void collectPanels(JsonNode panels, List<Query> into) {
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        String expr = target.path("expr").asText("");
        if (!expr.isBlank()) {
          String source = "panel '" + panel.path("title").asText() + "' target " + target.path("refId").asText();
          into.add(new Query(source, expr, substitute(expr)));
        }
      }
      collectPanels(panel.path("panels"), into); // collapsed rows keep their panels inside
    }
  }

  String substitute(String expr) {
    Matcher m = VARIABLE.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
      String value = variables.get(name);
      if (value == null) {
        throw new IllegalArgumentException("undefined variable $" + name + " in: " + expr);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The value Grafana substitutes for a variable before the user touches it. */
  private static java.util.Optional<String> currentValue(JsonNode variable) {
    JsonNode value = variable.path("current").path("value");
    String first = value.isArray() ? (value.isEmpty() ? null : value.get(0).asText()) : value.asText(null);
    if (first == null) {
      return java.util.Optional.empty();
    }
    if ("$__all".equals(first)) {
      return java.util.Optional.of(variable.path("allValue").asText(".*"));
    }
    return java.util.Optional.of(first);
  }
}
