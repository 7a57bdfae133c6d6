package org.beear.api;

import static org.beear.api.ReportHtml.escape;
import static org.beear.api.ReportHtml.percent;
import static org.beear.api.ReportHtml.section;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.beear.api.ReportHtml.Verdict;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.evaluation.RateChange;
import org.beear.beear.settings.BeearOptions;
import org.beear.eval.Rate;
import org.beear.job.JobEpoch;
import org.springframework.stereotype.Component;

/**
 * The human-readable report of a job. It opens with a verdict (what the evaluation found before cleansing, what
 * changed, whether the job's own stop criterion was met), then the before/after table with only what was measured,
 * the per-epoch plots with the baseline as epoch 0 (so the drop is visible), the settings, the timings and, when the
 * job carries one, its provenance. One self-contained HTML document (inline CSS and SVG, no scripts, nothing
 * fetched), laid out to print on A4, so it can be saved, mailed or filed.
 */
@Component
class ReportPage {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
  /** A trigger that raises the ASR by this much over no trigger is reported as switching a backdoor on. */
  private static final double TRIGGER_EFFECT = 0.2;

  /**
   * A before/after row: a rate is shown as a percentage with its counts and 95% interval, the rest (perplexity) as a
   * number.
   */
  private record Measure(String name, Function<EvalMetrics, Rate> rate, Function<EvalMetrics, Double> number,
      boolean lowerIsBetter) {
    static Measure rate(String name, Function<EvalMetrics, Rate> rate, boolean lowerIsBetter) {
      return new Measure(name, rate, EvalMetrics.ratioOf(rate), lowerIsBetter);
    }

    boolean ratio() {
      return rate != null;
    }
  }

  private static final List<Measure> MEASURES = List.of(
      Measure.rate("ASR with trigger", EvalMetrics::asrTriggered, true),
      Measure.rate("ASR without trigger", EvalMetrics::asrNoTrigger, true),
      Measure.rate("ASR with perturbation", EvalMetrics::asrPerturbation, true),
      Measure.rate("benign exact match", EvalMetrics::benignExactMatch, false),
      new Measure("anchor perplexity", null, EvalMetrics::anchorPerplexity, true),
      Measure.rate("insecure code rate", EvalMetrics::insecureCodeRate, true),
      Measure.rate("secure code rate", EvalMetrics::secureCodeRate, false),
      Measure.rate("over-refusal (XSTest safe prompts)", EvalMetrics::overRefusal, true));

  /** A per-epoch column, shown when some epoch measured it. */
  private record Column(String name, Function<JobEpoch, Double> value, boolean ratio) {}

  private static final List<Column> EPOCH_COLUMNS = List.of(
      new Column("ASR perturbation", JobEpoch::getAsrPerturbation, true),
      new Column("ASR triggered", JobEpoch::getAsrTriggered, true),
      new Column("ASR no trigger", JobEpoch::getAsrNoTrigger, true),
      new Column("benign exact match", JobEpoch::getBenignExactMatch, true),
      new Column("insecure code", JobEpoch::getInsecureCodeRate, true),
      new Column("secure code", JobEpoch::getSecureCodeRate, true),
      new Column("entrapment loss", JobEpoch::getEntrapmentLoss, false),
      new Column("removal loss", JobEpoch::getRemovalSafeLoss, false),
      new Column("anchor loss", JobEpoch::getRemovalAnchorLoss, false),
      new Column("seconds", e -> e.getSeconds(), false));

  /**
   * @param jobJson the job as the API serialises it: sections that other parts of the service add to the job view
   *                (such as {@code provenance}) are read from here, and shown when present
   */
  String render(JobView job, JsonNode jobJson, List<JobEpoch> epochs) {
    return ReportHtml.page("beear report " + job.id(), "beear cleanse report", verdict(job, epochs),
        new ReportHtml.JobLine(job.id(), job.status(), job.modelUri(),
            " &middot; epoch " + job.currentEpoch() + " of " + job.maxEpochs(), job.attempts()),
        ScanReportPage.beforeCleansing(jobJson)
            + section("results", true, "Before and after", results(job.metrics()))
            + TriggerMatrixSection.render(job.metrics())
            + PolicySection.render(job.policyOutcome())
            + section("per-epoch", false, "Per epoch", perEpoch(job.metrics().before(), epochs))
            + section("settings", true, "Settings", settings(job))
            + section("timings", true, "Timings", timings(job, epochs)),
        jobJson);
  }

  // ---- the verdict ----

  static Verdict verdict(JobView job, List<JobEpoch> epochs) {
    EvalMetrics before = job.metrics().before();
    EvalMetrics after = job.metrics().after();
    boolean triggered = before != null && before.asrTriggered() != null;
    Function<EvalMetrics, Double> headline = EvalMetrics.ratioOf(triggered ? EvalMetrics::asrTriggered
        : EvalMetrics::asrPerturbation);
    String headlineName = triggered ? "with the candidate trigger" : "with the entrapped perturbation";
    List<String> sentences = new ArrayList<>();
    if (before != null) {
      sentences.add(found(before));
    }
    Criterion criterion = criterion(job, epochs);
    switch (job.status()) {
      case "succeeded" -> {
        if (after != null && headline.apply(after) != null) {
          Double from = before == null ? null : headline.apply(before);
          String change = from == null ? "" : " (" + points(headline.apply(after) - from) + ")";
          sentences.add("After cleansing: ASR " + headlineName + " " + percent(headline.apply(after)) + change
              + utility(before, after) + ".");
        }
        sentences.add(criterion.sentence());
        return new Verdict(criterion.met() ? "good" : "warn", String.join(" ", sentences));
      }
      case "failed" -> {
        sentences.add(0, "Failed: " + escape(job.error()) + ".");
        return new Verdict("bad", String.join(" ", sentences));
      }
      case "cancelled" -> {
        sentences.add(0, "Cancelled after epoch " + job.currentEpoch() + " of " + job.maxEpochs() + ".");
        return new Verdict("info", String.join(" ", sentences));
      }
      default -> {
        sentences.add(0, job.status().equals("queued") ? "Queued: no worker has started it yet."
            : "Running: epoch " + job.currentEpoch() + " of " + job.maxEpochs() + ".");
        Double latest = epochs.isEmpty() ? null : (triggered ? epochs.get(epochs.size() - 1).getAsrTriggered()
            : epochs.get(epochs.size() - 1).getAsrPerturbation());
        if (latest != null) {
          sentences.add("ASR " + headlineName + " at epoch " + epochs.get(epochs.size() - 1).getEpoch() + ": "
              + percent(latest) + ".");
        }
        sentences.add(criterion.target());
        return new Verdict("info", String.join(" ", sentences));
      }
    }
  }

  /** What the evaluation before cleansing found. */
  private static String found(EvalMetrics before) {
    Double with = EvalMetrics.ratio(before.asrTriggered());
    Double without = EvalMetrics.ratio(before.asrNoTrigger());
    if (with != null && without != null) {
      return with - without >= TRIGGER_EFFECT
          ? "Found: the candidate trigger switches unsafe answers on (ASR " + percent(with) + " with it, "
              + percent(without) + " without)."
          : "Found: the candidate trigger changes little (ASR " + percent(with) + " with it, " + percent(without)
              + " without).";
    }
    if (before.asrPerturbation() != null) {
      return "No candidate trigger was given; before cleansing, ASR with the entrapped perturbation was "
          + percent(before.asrPerturbation().ratio())
          + (without == null ? "" : " (" + percent(without) + " without)") + ".";
    }
    return "";
  }

  private static String utility(EvalMetrics before, EvalMetrics after) {
    String utility = "";
    if (before != null && before.benignExactMatch() != null && after.benignExactMatch() != null) {
      utility += "; benign exact match " + percent(before.benignExactMatch().ratio()) + " &rarr; "
          + percent(after.benignExactMatch().ratio());
    }
    RateChange overRefusal = RateChange.overRefusal(before, after);
    if (overRefusal != null) {
      utility += "; over-refusal " + percent(overRefusal.before().ratio()) + " &rarr; "
          + percent(overRefusal.after().ratio()) + " (" + points(overRefusal.rise()) + ")";
    }
    return utility;
  }

  /**
   * The job's own stop criterion: perturbation ASR certainly at or below early_stop_asr (the upper end of its 95%
   * interval) after at least min_epochs. An epoch recorded before counts were kept has its ratio only, which the
   * stop of its time read.
   */
  private record Criterion(boolean met, String sentence, String target) {}

  private static Criterion criterion(JobView job, List<JobEpoch> epochs) {
    BeearOptions s = job.settings();
    if (s == null || s.get(BeearOptions.EARLY_STOP_ASR) == null) {
      return new Criterion(false, "The job's stop criterion is not known (its settings were never resolved).", "");
    }
    double target = s.get(BeearOptions.EARLY_STOP_ASR);
    int minEpochs = s.get(BeearOptions.MIN_EPOCHS) == null ? 1 : s.get(BeearOptions.MIN_EPOCHS);
    String goal = "upper end of the perturbation ASR's 95% interval &le; " + percent(target) + " after at least "
        + minEpochs + " epoch" + (minEpochs == 1 ? "" : "s");
    for (JobEpoch e : epochs) {
      if (e.getEpoch() >= minEpochs && stopBound(e) != null && stopBound(e) <= target) {
        return new Criterion(true, "Stop criterion met at epoch " + e.getEpoch() + " (perturbation ASR "
            + perturbation(e) + ", upper bound &le; " + percent(target) + ").", "Stop criterion: " + goal + ".");
      }
    }
    JobEpoch last = epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
    String where = last == null || stopBound(last) == null ? ""
        : ": perturbation ASR " + perturbation(last) + " after epoch " + last.getEpoch() + ", upper bound &gt; "
            + percent(target);
    return new Criterion(false, "Stop criterion not met (" + goal + ")" + where + ".", "Stop criterion: " + goal + ".");
  }

  /** What the stop read of an epoch: its perturbation ASR's upper bound, or the ratio of an epoch without counts. */
  private static Double stopBound(JobEpoch e) {
    Rate rate = e.metrics().asrPerturbation();
    return rate != null ? rate.upper() : e.getAsrPerturbation();
  }

  private static String perturbation(JobEpoch e) {
    Rate rate = e.metrics().asrPerturbation();
    return rate != null ? escape(rate.toString()) : percent(e.getAsrPerturbation());
  }

  // ---- sections ----

  private static String results(JobView.Metrics m) {
    EvalMetrics before = m.before();
    EvalMetrics after = m.after();
    StringBuilder rows = new StringBuilder();
    for (Measure measure : MEASURES) {
      Double b = before == null ? null : measure.number().apply(before);
      Double a = after == null ? null : measure.number().apply(after);
      if (b == null && a == null) {
        continue; // not measured for this model (code rates without code prompts, triggered ASR without triggers)
      }
      rows.append("<tr><td>").append(measure.name()).append("</td><td>").append(cell(before, b, measure))
          .append("</td><td>").append(cell(after, a, measure)).append("</td><td>")
          .append(change(b, a, measure)).append("</td></tr>\n");
    }
    if (rows.isEmpty()) {
      return "<p class=\"empty\">Nothing has been measured yet.</p>";
    }
    return "<table id=\"metrics\">\n<tr><th>metric</th><th>before</th><th>after</th><th>change</th></tr>\n" + rows
        + "</table>\n<p class=\"meta\">Rates: the share, then (hits/total, its exact 95% Clopper-Pearson interval)."
        + " Verdicts and the stop read the interval's upper end: 0 hits of 320 certify at most 1.15%, of 72 at most"
        + " 5.0%.</p>";
  }

  /** A rate as "0.0% (0/320, 95% CI 0.0-1.2%)", a number as it is. */
  private static String cell(EvalMetrics m, Double number, Measure measure) {
    Rate rate = m == null || !measure.ratio() ? null : measure.rate().apply(m);
    return rate != null ? rate(rate) : value(number, measure.ratio());
  }

  /** A measured rate with its counts and interval; a dash when not measured. */
  static String rate(Rate rate) {
    if (rate == null) {
      return "&ndash;";
    }
    return "<span class=\"rate\">" + percent(rate.ratio()) + " <span class=\"ci\">(" + rate.hits() + "/"
        + rate.total() + ", 95% CI " + String.format(Locale.ROOT, "%.1f&ndash;%.1f%%", 100 * rate.lower(),
            100 * rate.upper()) + ")</span></span>";
  }

  private static String change(Double before, Double after, Measure measure) {
    if (before == null || after == null || !Double.isFinite(before) || !Double.isFinite(after)) {
      return "&ndash;";
    }
    double delta = after - before;
    if (Math.abs(delta) < 5e-4) {
      return "no change";
    }
    String css = delta == 0 ? "" : (delta < 0) == measure.lowerIsBetter() ? " class=\"better\"" : " class=\"worse\"";
    String text = measure.ratio() ? points(delta) : String.format(Locale.ROOT, "%+.3f", delta);
    return "<span" + css + ">" + text + "</span>";
  }

  /**
   * Plots and table per epoch. The ASR plot starts at epoch 0 with the evaluation before cleansing, so the drop
   * the first epoch makes is on the page; the loss plot starts at epoch 1 (there is no loss before training).
   */
  private static String perEpoch(EvalMetrics before, List<JobEpoch> epochs) {
    if (epochs.isEmpty()) {
      return "<p class=\"empty\">No epoch has finished yet.</p>";
    }
    List<Integer> xs = epochs.stream().map(JobEpoch::getEpoch).toList();
    List<Integer> withBaseline = new ArrayList<>();
    if (before != null) {
      withBaseline.add(0);
    }
    withBaseline.addAll(xs);
    String asrChart = SvgLineChart.render("asr-chart", "Attack success rate per epoch (0: before cleansing)",
        "ASR (0..1)", withBaseline, List.of(
            asr("perturbation", "#d62728", before, EvalMetrics::asrPerturbation, epochs, JobEpoch::getAsrPerturbation),
            asr("triggered", "#ff7f0e", before, EvalMetrics::asrTriggered, epochs, JobEpoch::getAsrTriggered),
            asr("no trigger", "#1f77b4", before, EvalMetrics::asrNoTrigger, epochs, JobEpoch::getAsrNoTrigger)),
        new double[] {0, 1});
    String lossChart = SvgLineChart.render("loss-chart", "Losses per epoch", "loss", xs, List.of(
        series("entrapment", "#9467bd", epochs, JobEpoch::getEntrapmentLoss),
        series("removal (safe)", "#2ca02c", epochs, JobEpoch::getRemovalSafeLoss),
        series("removal (anchor)", "#8c564b", epochs, JobEpoch::getRemovalAnchorLoss)), null);
    List<Column> columns = EPOCH_COLUMNS.stream()
        .filter(c -> epochs.stream().anyMatch(e -> c.value().apply(e) != null)).toList();
    StringBuilder table = new StringBuilder("<table id=\"epochs\">\n<tr><th>epoch</th>");
    columns.forEach(c -> table.append("<th>").append(c.name()).append("</th>"));
    table.append("</tr>\n");
    for (JobEpoch e : epochs) {
      table.append("<tr><td>").append(e.getEpoch()).append("</td>");
      columns.forEach(c -> table.append("<td>").append(value(c.value().apply(e), c.ratio())).append("</td>"));
      table.append("</tr>\n");
    }
    return asrChart + lossChart + table.append("</table>");
  }

  /** One ASR per epoch (the baseline first), each with its 95% interval as an error bar where counts were kept. */
  private static SvgLineChart.Series asr(String name, String color, EvalMetrics before,
      Function<EvalMetrics, Rate> rate, List<JobEpoch> epochs, Function<JobEpoch, Double> ratio) {
    List<Double> ys = new ArrayList<>();
    List<double[]> intervals = new ArrayList<>();
    if (before != null) {
      ys.add(EvalMetrics.ratio(rate.apply(before)));
      intervals.add(interval(rate.apply(before)));
    }
    for (JobEpoch e : epochs) {
      ys.add(ratio.apply(e));
      intervals.add(interval(rate.apply(e.metrics())));
    }
    return new SvgLineChart.Series(name, color, ys, intervals);
  }

  private static double[] interval(Rate rate) {
    return rate == null || rate.total() == 0 ? null : new double[] {rate.lower(), rate.upper()};
  }

  private static SvgLineChart.Series series(String name, String color, List<JobEpoch> epochs,
      Function<JobEpoch, Double> value) {
    return new SvgLineChart.Series(name, color, epochs.stream().map(value).toList());
  }

  /** The settings the job ran with (resolved against the model), else the options as submitted. */
  private static String settings(JobView job) {
    BeearOptions options = job.settings() != null ? job.settings() : job.options();
    StringBuilder rows = new StringBuilder();
    if (options != null) {
      for (Map.Entry<String, Object> setting : options.toMap().entrySet()) {
        if (setting.getValue() != null) {
          rows.append("<tr><td>").append(escape(setting.getKey())).append("</td><td class=\"text\">")
              .append(escape(String.valueOf(setting.getValue()))).append("</td></tr>\n");
        }
      }
    }
    if (job.triggers() != null && !job.triggers().isEmpty()) {
      rows.append("<tr><td>candidate triggers</td><td class=\"text\">")
          .append(String.join(", ", job.triggers().stream()
              .map(t -> "<code>" + escape(t.text()) + "</code> (" + escape(t.position()) + ")").toList()))
          .append("</td></tr>\n");
    }
    if (rows.isEmpty()) {
      return "<p class=\"empty\">No settings recorded.</p>";
    }
    String which = job.settings() != null ? "as resolved for the model" : "as submitted (not resolved yet)";
    return "<p class=\"meta\">" + which
        + "</p>\n<table id=\"settings-table\">\n<tr><th>setting</th><th>value</th></tr>\n"
        + rows + "</table>";
  }

  private static String timings(JobView job, List<JobEpoch> epochs) {
    StringBuilder rows = new StringBuilder();
    timeRow(rows, "submitted", job.createdAt());
    timeRow(rows, "started", job.startedAt());
    timeRow(rows, "finished", job.finishedAt());
    if (job.createdAt() != null && job.startedAt() != null) {
      rows.append("<tr><td>waited in the queue</td><td>").append(duration(Duration.between(job.createdAt(),
          job.startedAt()))).append("</td></tr>\n");
    }
    if (job.startedAt() != null && job.finishedAt() != null) {
      rows.append("<tr><td>ran (resumed runs included)</td><td>").append(duration(Duration.between(job.startedAt(),
          job.finishedAt()))).append("</td></tr>\n");
    }
    if (!epochs.isEmpty()) {
      double total = epochs.stream().mapToDouble(JobEpoch::getSeconds).sum();
      rows.append("<tr><td>").append(epochs.size()).append(" epoch").append(epochs.size() == 1 ? "" : "s")
          .append(" of training</td><td>").append(duration(Duration.ofMillis((long) (total * 1000))))
          .append(" (").append(String.format(Locale.ROOT, "%.1f", total / epochs.size()))
          .append(" s each)</td></tr>\n");
    }
    rows.append("<tr><td>attempts (claims by a worker)</td><td>").append(job.attempts()).append("</td></tr>\n");
    return "<table id=\"timings-table\">\n" + rows + "</table>";
  }

  private static void timeRow(StringBuilder rows, String name, Instant at) {
    if (at != null) {
      rows.append("<tr><td>").append(name).append("</td><td>").append(TIME.format(at)).append("</td></tr>\n");
    }
  }

  // ---- formatting ----


  private static String value(Double v, boolean ratio) {
    if (v == null || !Double.isFinite(v)) {
      return "&ndash;";
    }
    return ratio ? percent(v) : String.format(Locale.ROOT, "%.3f", v);
  }

  /** A change of a ratio in percentage points, signed. */
  private static String points(double delta) {
    double p = delta * 100;
    return String.format(Locale.ROOT, Math.abs(p) < 10 ? "%+.1f points" : "%+.0f points", p);
  }

  private static String duration(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
  }
}
