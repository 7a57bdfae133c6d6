package org.beear.api;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.beear.beear.EvalMetrics;
import org.beear.beear.Provenance;
import org.beear.files.FileDigest;
import org.beear.job.JobEpoch;
import org.springframework.stereotype.Component;

/**
 * The human-readable report of a job: status, metrics before and after, per-epoch ASR and loss plots, and the
 * provenance (digests of the files read and written). One self-contained HTML document (inline CSS and SVG, no
 * scripts, nothing fetched), so it can be saved or mailed.
 */
@Component
class ReportPage {

  String render(JobView job, List<JobEpoch> epochs) {
    List<Integer> xs = epochs.stream().map(JobEpoch::getEpoch).toList();
    String asrChart = SvgLineChart.render("asr-chart", "Attack success rate per epoch", "ASR (0..1)", xs, List.of(
        series("perturbation", "#d62728", epochs, JobEpoch::getAsrPerturbation),
        series("triggered", "#ff7f0e", epochs, JobEpoch::getAsrTriggered),
        series("no trigger", "#1f77b4", epochs, JobEpoch::getAsrNoTrigger)), new double[] {0, 1});
    String lossChart = SvgLineChart.render("loss-chart", "Losses per epoch", "loss", xs, List.of(
        series("entrapment", "#9467bd", epochs, JobEpoch::getEntrapmentLoss),
        series("removal (safe)", "#2ca02c", epochs, JobEpoch::getRemovalSafeLoss),
        series("removal (anchor)", "#8c564b", epochs, JobEpoch::getRemovalAnchorLoss)), null);
    String charts = epochs.isEmpty()
        ? "<p class=\"empty\">No epoch has finished yet.</p>"
        : asrChart + lossChart;
    return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>beear report %s</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
        table { border-collapse: collapse; margin: 1em 0; }
        th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        .status { font-weight: bold; }
        svg.chart { display: block; margin: 1.5em 0; background: #fff; }
        </style>
        </head>
        <body>
        <h1>Cleanse job <code>%s</code></h1>
        <p>Status: <span class="status" id="status">%s</span> &middot; model <code>%s</code> &middot;
        epoch %d of %d &middot; attempts %d%s</p>
        <h2>Before and after</h2>
        <table id="metrics">
        <tr><th>metric</th><th>before</th><th>after</th></tr>
        %s
        </table>
        <h2>Per epoch</h2>
        %s
        <table id="epochs">
        <tr><th>epoch</th><th>ASR perturbation</th><th>ASR triggered</th><th>ASR no trigger</th>
        <th>entrapment loss</th><th>removal loss</th><th>anchor loss</th><th>seconds</th></tr>
        %s
        </table>
        %s
        </body>
        </html>
        """.formatted(escape(job.id()), escape(job.id()), escape(job.status()), escape(job.modelUri()),
        job.currentEpoch(), job.maxEpochs(), job.attempts(),
        job.error() == null ? "" : " &middot; error: " + escape(job.error()),
        metricRows(job.metrics()), charts, epochRows(epochs), provenance(job.provenance()));
  }

  /** What the job read and wrote, file by file: enough to check a model against the report by its digests. */
  private static String provenance(Provenance p) {
    if (p == null) {
      return "<h2>Provenance</h2>\n<p class=\"empty\">Recorded once the worker has fetched the model.</p>";
    }
    StringBuilder out = new StringBuilder("<h2>Provenance</h2>\n<p id=\"source\">");
    Provenance.Source source = p.source();
    if (source != null) {
      out.append("source <code>").append(escape(source.uri())).append("</code>");
      if (source.revision() != null) {
        out.append(" &middot; commit <code>").append(escape(source.revision())).append("</code>");
      }
      if (source.archiveSha256() != null) {
        out.append(" &middot; archive sha256 <code>").append(escape(source.archiveSha256())).append("</code>");
      }
    }
    out.append("</p>\n");
    files(out, "inputs", "Files read", p.inputs());
    files(out, "outputs", "Files written (report.json aside)", p.outputs());
    return out.toString();
  }

  private static void files(StringBuilder out, String id, String title, List<FileDigest> files) {
    out.append("<h3>").append(title).append("</h3>\n<table id=\"").append(id)
        .append("\">\n<tr><th>file</th><th>bytes</th><th>sha256</th></tr>\n");
    for (FileDigest f : files) {
      out.append("<tr><td>").append(escape(f.path())).append("</td><td>").append(f.bytes())
          .append("</td><td><code>").append(escape(f.sha256())).append("</code></td></tr>\n");
    }
    out.append("</table>\n");
  }

  private static SvgLineChart.Series series(String name, String color, List<JobEpoch> epochs,
      Function<JobEpoch, Double> value) {
    return new SvgLineChart.Series(name, color, epochs.stream().map(value).toList());
  }

  private static String metricRows(JobView.Metrics m) {
    EvalMetrics before = m.before();
    EvalMetrics after = m.after();
    StringBuilder rows = new StringBuilder();
    row(rows, "ASR with trigger", before == null ? null : before.asrTriggered(), after == null ? null : after.asrTriggered());
    row(rows, "ASR without trigger", before == null ? null : before.asrNoTrigger(), after == null ? null : after.asrNoTrigger());
    row(rows, "ASR with perturbation", before == null ? null : before.asrPerturbation(),
        after == null ? null : after.asrPerturbation());
    row(rows, "benign exact match", before == null ? null : before.benignExactMatch(),
        after == null ? null : after.benignExactMatch());
    row(rows, "anchor perplexity", before == null ? null : before.anchorPerplexity(),
        after == null ? null : after.anchorPerplexity());
    row(rows, "insecure code rate", before == null ? null : before.insecureCodeRate(),
        after == null ? null : after.insecureCodeRate());
    row(rows, "secure code rate", before == null ? null : before.secureCodeRate(),
        after == null ? null : after.secureCodeRate());
    return rows.toString();
  }

  private static void row(StringBuilder rows, String name, Double before, Double after) {
    rows.append("<tr><td>").append(name).append("</td><td>").append(number(before)).append("</td><td>")
        .append(number(after)).append("</td></tr>\n");
  }

  private static String epochRows(List<JobEpoch> epochs) {
    StringBuilder rows = new StringBuilder();
    for (JobEpoch e : epochs) {
      rows.append("<tr><td>").append(e.getEpoch()).append("</td><td>").append(number(e.getAsrPerturbation()))
          .append("</td><td>").append(number(e.getAsrTriggered())).append("</td><td>")
          .append(number(e.getAsrNoTrigger())).append("</td><td>").append(number(e.getEntrapmentLoss()))
          .append("</td><td>").append(number(e.getRemovalSafeLoss())).append("</td><td>")
          .append(number(e.getRemovalAnchorLoss())).append("</td><td>").append(number(e.getSeconds()))
          .append("</td></tr>\n");
    }
    return rows.toString();
  }

  private static String number(Double v) {
    return v == null || !Double.isFinite(v) ? "&ndash;" : String.format(Locale.ROOT, "%.3f", v);
  }

  static String escape(String s) {
    if (s == null) {
      return "";
    }
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
        .replace("'", "&#39;");
  }
}
