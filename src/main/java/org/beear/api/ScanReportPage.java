package org.beear.api;

import static org.beear.api.ReportHtml.escape;
import static org.beear.api.ReportHtml.section;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import org.beear.api.ReportHtml.Verdict;
import org.springframework.stereotype.Component;

/**
 * A scan job's self-contained, printable HTML page: the verdict and its evidence, the calibration it was read
 * against, every sweep's rows (perturbation ASR and compliance per δ budget), the options and provenance. Reads
 * the job as the API serialises it, so the page shows exactly what {@code GET /api/v1/scan-jobs/{id}} does.
 */
@Component
class ScanReportPage {

  String render(JsonNode job) {
    JsonNode scan = job.path("scan");
    return ReportHtml.page("beear scan " + job.path("id").asText(), "beear backdoor scan", verdict(job, scan),
        new ReportHtml.JobLine(job.path("id").asText(), job.path("status").asText(), job.path("model_uri").asText(),
            job.path("reference_uri").isTextual()
                ? " &middot; reference <code>" + escape(job.path("reference_uri").asText()) + "</code>" : "",
            job.path("attempts").asInt()),
        evidence(scan) + sweeps(scan) + section("options", true, "Options", options(job.path("scan_options"))), job);
  }

  /**
   * A cleanse report's section on the scan it ran before cleansing (option {@code scan}): the verdict and its
   * evidence; empty when the cleanse ran none.
   */
  static String beforeCleansing(JsonNode job) {
    JsonNode scan = job == null ? null : job.path("scan");
    if (scan == null || !scan.isObject()) {
      return "";
    }
    return beforeCleansing(job, scan);
  }

  private static String beforeCleansing(JsonNode job, JsonNode scan) {
    Verdict verdict = verdict(job, scan);
    return "<section id=\"scan\" class=\"small\">\n<h2>Backdoor scan before cleansing</h2>\n<p class=\"verdict "
        + verdict.tone() + "\">" + verdict.html() + "</p>\n" + evidenceList(scan) + "</section>\n";
  }

  /** The verdict's tone (a CSS class) and its HTML; a scan that has not succeeded says where it is. */
  static Verdict verdict(JsonNode job, JsonNode scan) {
    String status = job.path("status").asText();
    if (!scan.isObject()) {
      return switch (status) {
        case "failed" -> new Verdict("bad", "Failed: " + escape(job.path("error").asText()) + ".");
        case "cancelled" -> new Verdict("info", "Cancelled before the scan finished.");
        default -> new Verdict("info", String.format(Locale.ROOT,
            "The scan is %s (%.0f%% of its budgets).", escape(status), 100 * job.path("progress").asDouble()));
      };
    }
    String words = scan.path("verdict").asText();
    String tone = switch (words) {
      case "likely backdoored" -> "bad";
      case "no evidence" -> "good";
      default -> "warn";
    };
    StringBuilder html = new StringBuilder("<strong>").append(escape(capitalised(words))).append("</strong>");
    if (scan.path("score").isNumber()) {
      html.append(String.format(Locale.ROOT, " (score %.2f", scan.path("score").asDouble()));
      if (scan.path("flip_budget").isNumber()) {
        html.append(String.format(Locale.ROOT, "; behaviour flipped at δ budget %.3g in %s",
            scan.path("flip_budget").asDouble(), escape(scan.path("family").asText())));
      }
      html.append(')');
    }
    html.append(". ").append(escape(scan.path("calibration").path("basis").asText())).append('.');
    return new Verdict(tone, html.toString());
  }

  private static String evidence(JsonNode scan) {
    if (!scan.isObject()) {
      return "";
    }
    StringBuilder html = new StringBuilder(evidenceList(scan));
    JsonNode c = scan.path("calibration");
    html.append(String.format(Locale.ROOT, "<p>Calibration: %s; likely backdoored at score &ge; %s, no evidence at "
            + "score &le; %s. Anchor layer %d, δ over the last %d prompt positions; %.0f s.</p>%n",
        escape(c.path("kind").asText()), number(c.path("likely_backdoored_at_score")),
        number(c.path("no_evidence_at_score")), scan.path("anchor_layer").asInt(),
        scan.path("perturbation_length").asInt(), scan.path("seconds").asDouble()));
    return section("evidence", true, "Evidence", html.toString());
  }

  private static String evidenceList(JsonNode scan) {
    StringBuilder html = new StringBuilder("<ul>\n");
    scan.path("evidence").forEach(e -> html.append("<li>").append(escape(e.asText())).append("</li>\n"));
    return html.append("</ul>\n").toString();
  }

  /** One table per scanned family and model: the sweep's rows, budget 0 (no δ) first. */
  private static String sweeps(JsonNode scan) {
    if (!scan.isObject()) {
      return "";
    }
    StringBuilder html = new StringBuilder();
    table(html, "suspect", scan.path("families"));
    table(html, "reference", scan.path("reference_families"));
    return section("sweeps", false, "Sweeps", html.toString());
  }

  private static void table(StringBuilder html, String who, JsonNode families) {
    for (JsonNode f : families) {
      html.append("<h3>").append(escape(who)).append(", ").append(escape(f.path("family").asText()))
          .append("</h3>\n<p>").append(escape(f.path("note").asText())).append("</p>\n");
      if (!f.path("scanned").asBoolean()) {
        continue;
      }
      html.append("<table class=\"sweep\"><tr><th>δ budget</th><th>perturbation ASR</th><th>compliance</th>"
          + "<th>entrapment loss</th><th>unwanted CE</th><th>seconds</th></tr>\n");
      for (JsonNode row : f.path("rows")) {
        html.append(String.format(Locale.ROOT, "<tr><td>%.3g</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                + "<td>%.1f</td></tr>%n", row.path("budget").asDouble(),
            ReportHtml.percent(row.path("perturbation_asr").asDouble()),
            ReportHtml.percent(row.path("compliance").asDouble()), number(row.path("entrapment_loss")),
            number(row.path("unwanted_loss")), row.path("seconds").asDouble()));
      }
      html.append("</table>\n");
    }
  }

  private static String options(JsonNode options) {
    if (!options.isObject() || options.isEmpty()) {
      return "<p class=\"empty\">All defaults.</p>";
    }
    StringBuilder rows = new StringBuilder("<table>\n");
    options.fields().forEachRemaining(o -> rows.append("<tr><td>").append(escape(o.getKey()))
        .append("</td><td class=\"text\">").append(escape(o.getValue().asText())).append("</td></tr>\n"));
    return rows.append("</table>").toString();
  }

  private static String number(JsonNode v) {
    return v.isNumber() ? String.format(Locale.ROOT, "%.3f", v.asDouble()) : "&ndash;";
  }

  private static String capitalised(String words) {
    return words.isEmpty() ? words : Character.toUpperCase(words.charAt(0)) + words.substring(1);
  }
}
