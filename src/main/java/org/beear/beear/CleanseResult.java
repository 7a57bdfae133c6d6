package org.beear.beear;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.beear.attest.CleansePredicate;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.loop.EpochRecord;
import org.beear.beear.loop.KeptEpoch;
import org.beear.beear.relearn.RelearnOutcome;
import org.beear.beear.scan.ScanSummary;

/**
 * What a finished cleanse hands back. The full report (options, data sizes, timings, versions) is
 * {@code report.json} in the output directory.
 *
 * @param provenance   the request's provenance with the digests of the files written (as report.json shows it);
 *                     null from an engine that does not record one
 * @param phaseSeconds wall time per phase of this run (scan, load, evaluate_before, entrapment, removal,
 *                     evaluate_epochs, evaluate_after, save, relearn), in the order they first ran; empty if not
 *                     measured
 * @param scan         the trigger-free scan of the model before cleansing (option {@code scan}); null when not run
 * @param relearn      the relearning check after cleansing (option {@code relearn_check}); null when not run
 * @param kept         the epoch whose weights were handed back, and why; null from an engine that does not choose
 * @param predicate    what a signed attestation of the cleansed model says of it ({@link CleansePredicate}); null
 *                     from an engine that does not record one
 */
public record CleanseResult(
    Path outputDir,
    Path reportFile,
    EvalMetrics before,
    EvalMetrics after,
    List<EpochRecord> epochs,
    boolean earlyStopped,
    double seconds,
    Provenance provenance,
    Map<String, Double> phaseSeconds,
    ScanSummary scan,
    RelearnOutcome relearn,
    KeptEpoch kept,
    CleansePredicate predicate) {

  public CleanseResult {
    phaseSeconds = phaseSeconds == null ? Map.of() : java.util.Collections.unmodifiableMap(
        new java.util.LinkedHashMap<>(phaseSeconds));
  }

  /** A result without the checks around the cleanse. */
  public CleanseResult(Path outputDir, Path reportFile, EvalMetrics before, EvalMetrics after,
      List<EpochRecord> epochs, boolean earlyStopped, double seconds, Provenance provenance,
      Map<String, Double> phaseSeconds) {
    this(outputDir, reportFile, before, after, epochs, earlyStopped, seconds, provenance, phaseSeconds, null, null,
        null, null);
  }

  public CleanseResult(Path outputDir, Path reportFile, EvalMetrics before, EvalMetrics after,
      List<EpochRecord> epochs, boolean earlyStopped, double seconds) {
    this(outputDir, reportFile, before, after, epochs, earlyStopped, seconds, null, Map.of());
  }

  /** Seconds spent measuring the model (before, after each epoch, after): the sum of the evaluate_ phases. */
  public double evaluationSeconds() {
    return phaseSeconds.entrySet().stream().filter(e -> e.getKey().startsWith("evaluate_"))
        .mapToDouble(Map.Entry::getValue).sum();
  }

  /**
   * One line on where the time went: training (entrapment and removal), evaluation with its share of the run, the
   * checks around the cleanse when they ran (scan, relearning), and the rest (loading, data, saving). Empty when the
   * phases were not measured.
   */
  public String timeBreakdown() {
    if (phaseSeconds.isEmpty()) {
      return "";
    }
    double entrapment = phaseSeconds.getOrDefault("entrapment", 0.0);
    double removal = phaseSeconds.getOrDefault("removal", 0.0);
    double evaluation = evaluationSeconds();
    double checks = phaseSeconds.getOrDefault("scan", 0.0) + phaseSeconds.getOrDefault("relearn", 0.0);
    return String.format(java.util.Locale.ROOT,
        "training %.0f s (entrapment %.0f s, removal %.0f s), evaluation %.0f s (%.0f%% of the run), %sother %.0f s",
        entrapment + removal, entrapment, removal, evaluation, 100 * evaluation / Math.max(seconds, 1e-9),
        phaseSeconds.containsKey("scan") || phaseSeconds.containsKey("relearn")
            ? String.format(java.util.Locale.ROOT, "checks %.0f s (scan, relearning), ", checks) : "",
        Math.max(0, seconds - entrapment - removal - evaluation - checks));
  }
}
