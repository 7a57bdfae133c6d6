package org.beear.beear;

import java.nio.file.Path;
import java.util.List;

/**
 * What a finished cleanse hands back. The full report (options, data sizes, timings, versions) is
 * {@code report.json} in the output directory.
 *
 * @param provenance the request's provenance with the digests of the files written (as report.json shows it);
 *                   null from an engine that does not record one
 */
public record CleanseResult(
    Path outputDir,
    Path reportFile,
    EvalMetrics before,
    EvalMetrics after,
    List<EpochRecord> epochs,
    boolean earlyStopped,
    double seconds,
    Provenance provenance) {

  public CleanseResult(Path outputDir, Path reportFile, EvalMetrics before, EvalMetrics after,
      List<EpochRecord> epochs, boolean earlyStopped, double seconds) {
    this(outputDir, reportFile, before, after, epochs, earlyStopped, seconds, null);
  }
}
