package org.beear.beear;

import java.nio.file.Path;
import java.util.List;

/**
 * What a finished cleanse hands back. The full report (options, data sizes, timings, versions) is
 * {@code report.json} in the output directory.
 */
public record CleanseResult(
    Path outputDir,
    Path reportFile,
    EvalMetrics before,
    EvalMetrics after,
    List<EpochRecord> epochs,
    boolean earlyStopped,
    double seconds) {}
