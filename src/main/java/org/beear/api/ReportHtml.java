package org.beear.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the report pages (a cleanse's, a scan's) share: the page around their sections (head, style sheet, heading,
 * verdict, the job's line, provenance at the foot), sections, escaping and ratios.
 */
final class ReportHtml {
  private ReportHtml() {}

  /** The verdict that opens a page: its tone (good, warn, bad, info: a CSS class) and its HTML. */
  record Verdict(String tone, String html) {}

  /**
   * The line under the verdict: the job, its status and model, what the page adds after the model (HTML, starting
   * with {@code " &middot; "}, or empty) and the attempts.
   */
  record JobLine(String id, String status, String model, String facts, int attempts) {}

  /**
   * A whole report page: one self-contained HTML document (inline CSS, no scripts, nothing fetched) around
   * {@code sections}, with the provenance of {@code job} (the job as the API serialises it) at its foot.
   */
  static String page(String title, String heading, Verdict verdict, JobLine line, String sections, JsonNode job) {
    return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>%s</title>
        %s
        </head>
        <body>
        <h1>%s</h1>
        <p class="verdict %s" id="verdict">%s</p>
        <p class="meta">Job <code>%s</code> &middot; status <span class="status" id="status">%s</span> &middot; model
        <code>%s</code>%s &middot; attempts %d</p>
        %s%s</body>
        </html>
        """.formatted(escape(title), STYLE, escape(heading), verdict.tone(), verdict.html(), escape(line.id()),
        escape(line.status()), escape(line.model()), line.facts(), line.attempts(), sections, provenance(job));
  }

  /** A section of a page: its heading, then {@code content} (HTML) on lines of its own. */
  static String section(String id, boolean small, String heading, String content) {
    return "<section id=\"" + id + "\"" + (small ? " class=\"small\"" : "") + ">\n<h2>" + escape(heading)
        + "</h2>\n" + content + (content.isEmpty() || content.endsWith("\n") ? "" : "\n") + "</section>\n";
  }

  /** The pages' style sheet: screen and print (A4), the verdict's tones as CSS classes. */
  static final String STYLE = """
      <style>
      body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 60em; }
      h1 { font-size: 1.5em; margin-bottom: 0.3em; }
      h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
      table { border-collapse: collapse; margin: 0.8em 0; }
      th, td { border: 1px solid #ccc; padding: 3px 9px; text-align: right; }
      th:first-child, td:first-child { text-align: left; }
      td.text { text-align: left; word-break: break-all; }
      .verdict { font-size: 1.1em; line-height: 1.45; padding: 0.7em 1em; border-left: 8px solid; margin: 0.6em 0 1em; }
      .verdict.good { background: #e6f4ea; border-color: #2e7d32; }
      .verdict.warn { background: #fff4e0; border-color: #e08a00; }
      .verdict.bad { background: #fde8e8; border-color: #c62828; }
      .verdict.info { background: #e8f0fe; border-color: #1a56c4; }
      .meta { color: #555; }
      .status { font-weight: bold; }
      .better { color: #2e7d32; }
      .worse { color: #c62828; }
      .empty { color: #777; font-style: italic; }
      svg.chart { display: block; margin: 1em 0; background: #fff; max-width: 100%; height: auto; }
      @page { size: A4; margin: 14mm; }
      @media print {
        body { margin: 0; max-width: none; font-size: 10pt; }
        .verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        h2 { break-after: avoid; }
        table, svg.chart, section.small { break-inside: avoid; }
      }
      </style>
      """;

  /**
   * Where the model came from and the files read and written, with their digests, when the job view carries a
   * {@code provenance} object ({@code source}, {@code inputs} and {@code outputs} of {@code {path, sha256, bytes}}).
   */
  static String provenance(JsonNode job) {
    JsonNode provenance = job == null ? null : job.get("provenance");
    if (provenance == null || !provenance.isObject()) {
      return "";
    }
    StringBuilder html = new StringBuilder();
    JsonNode source = provenance.get("source");
    if (source != null && !source.isNull()) {
      html.append("<p>Source: ").append(source.isValueNode() ? "<code>" + escape(source.asText()) + "</code>"
          : fields(source)).append("</p>\n");
    }
    files(html, "Inputs", "provenance-inputs", provenance.get("inputs"));
    files(html, "Outputs", "provenance-outputs", provenance.get("outputs"));
    return section("provenance", false, "Provenance", html.toString());
  }

  private static String fields(JsonNode object) {
    List<String> parts = new ArrayList<>();
    object.fields().forEachRemaining(f -> parts.add(escape(f.getKey()) + " <code>"
        + escape(f.getValue().isValueNode() ? f.getValue().asText() : f.getValue().toString()) + "</code>"));
    return String.join(", ", parts);
  }

  private static void files(StringBuilder html, String title, String id, JsonNode files) {
    if (files == null || !files.isArray() || files.isEmpty()) {
      return;
    }
    html.append("<h3>").append(title).append("</h3>\n<table id=\"").append(id)
        .append("\">\n<tr><th>path</th><th>sha256</th><th>bytes</th></tr>\n");
    for (JsonNode file : files) {
      html.append("<tr><td class=\"text\">").append(escape(file.path("path").asText("")))
          .append("</td><td class=\"text\"><code>")
          .append(escape(file.path("sha256").asText(""))).append("</code></td><td>")
          .append(file.hasNonNull("bytes") ? String.format(Locale.ROOT, "%,d", file.get("bytes").asLong()) : "&ndash;")
          .append("</td></tr>\n");
    }
    html.append("</table>\n");
  }

  static String percent(double ratio) {
    double p = ratio * 100;
    return String.format(Locale.ROOT, Math.abs(p) < 10 ? "%.1f%%" : "%.0f%%", p);
  }

  static String escape(String s) {
    if (s == null) {
      return "";
    }
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
        .replace("'", "&#39;");
  }
}
