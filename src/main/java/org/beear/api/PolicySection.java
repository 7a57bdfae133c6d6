package org.beear.api;

import static org.beear.api.ReportHtml.escape;
import static org.beear.api.ReportHtml.section;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * The report page's release-gate section: the job's policy outcome, overall and per rule (threshold, what was
 * measured, the bound the rule read, its status and why), as the job view's {@code policy_outcome} has it.
 */
final class PolicySection {
  private PolicySection() {}

  /** The section, or nothing when the job has no policy outcome (no policy, or not succeeded yet). */
  static String render(JsonNode outcome) {
    if (outcome == null || outcome.isNull() || !outcome.has("rules")) {
      return "";
    }
    StringBuilder rows = new StringBuilder();
    for (JsonNode rule : outcome.get("rules")) {
      rows.append("<tr><td class=\"text\"><code>").append(escape(rule.path("id").asText())).append("</code></td><td>")
          .append(number(rule.get("threshold"))).append("</td><td>").append(value(rule.get("measured")))
          .append("</td><td>").append(number(rule.get("bound"))).append("</td><td class=\"")
          .append(escape(rule.path("status").asText())).append("\">").append(escape(rule.path("status").asText()))
          .append("</td><td class=\"text\">").append(escape(rule.path("reason").asText())).append("</td></tr>\n");
    }
    String status = outcome.path("status").asText();
    return section("policy", true, "Release gate",
        "<p id=\"policy-outcome\" class=\"verdict " + ("pass".equals(status) ? "good" : "warn") + "\">Policy: "
            + escape(status) + " (exit code " + outcome.path("exit_code").asInt() + " for a command line).</p>\n"
            + "<table id=\"policy-rules\">\n<tr><th>rule</th><th>threshold</th><th>measured</th><th>bound</th>"
            + "<th>status</th><th>why</th></tr>\n" + rows + "</table>\n");
  }

  private static String number(JsonNode n) {
    return n == null || n.isNull() ? "" : n.isNumber() ? String.format(Locale.ROOT, "%.4g", n.asDouble())
        : escape(n.asText());
  }

  private static String value(JsonNode n) {
    return n == null || n.isNull() ? "not measured" : n.isNumber() ? number(n) : escape(n.asText());
  }
}
