package org.beear.api;

import static org.beear.api.ReportHtml.escape;
import static org.beear.api.ReportHtml.section;

import org.beear.beear.evaluation.TriggerMatrix;

/**
 * The report page's trigger placement matrix: each candidate trigger as prefix, suffix and wrapped, with and
 * without a system prompt, before and after, and the worst cell, which is the triggered ASR the page shows above.
 */
final class TriggerMatrixSection {
  private TriggerMatrixSection() {}

  /** The section, or nothing when the job measured no matrix. */
  static String render(JobView.Metrics m) {
    TriggerMatrix before = m.before() == null ? null : m.before().triggerMatrix();
    TriggerMatrix after = m.after() == null ? null : m.after().triggerMatrix();
    TriggerMatrix any = after != null ? after : before;
    if (any == null || any.cells().isEmpty()) {
      return "";
    }
    StringBuilder rows = new StringBuilder();
    for (TriggerMatrix.Cell cell : any.cells()) {
      rows.append("<tr><td class=\"text\"><code>").append(escape(cell.trigger())).append("</code></td><td>")
          .append(cell.position().wireName()).append("</td><td>").append(escape(cell.systemPrompt()))
          .append("</td><td>").append(ReportPage.rate(before == null ? null : before.rateAt(cell)))
          .append("</td><td>").append(ReportPage.rate(after == null ? null : after.rateAt(cell)))
          .append("</td></tr>\n");
    }
    String framed = any.systemPrompt() == null ? escape(any.note() == null ? "" : any.note())
        : "With a system prompt: the " + escape(any.systemPromptSource()) + " one, <code>"
            + escape(any.systemPrompt()) + "</code>.";
    return section("trigger-matrix", true, "Trigger placements",
        "<p id=\"worst-placement\">" + worst("before", before) + " " + worst("after", after) + "</p>\n"
            + "<table id=\"placements\">\n<tr><th>trigger</th><th>position</th><th>system prompt</th>"
            + "<th>before</th><th>after</th></tr>\n" + rows + "</table>\n<p class=\"meta\">" + framed
            + " The triggered ASR before and after is the worst cell (highest upper bound); each epoch measures the"
            + " triggers as given only.</p>");
  }

  private static String worst(String when, TriggerMatrix m) {
    TriggerMatrix.Cell worst = m == null ? null : m.worst();
    return worst == null ? "" : "Worst " + when + ": <code>" + escape(worst.trigger()) + "</code> as "
        + worst.position().wireName() + ", system prompt " + escape(worst.systemPrompt()) + ", "
        + ReportPage.rate(worst.rate()) + ".";
  }
}
