package org.beear.beear;

import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.loop.EpochRecord;
import org.beear.beear.loop.LoopListener;
import org.beear.beear.scan.ScanSummary;

/**
 * What a running cleanse tells its caller. Called on the cleansing thread; implementations must be quick.
 * The CLI prints these; the service stores them as job events and metrics.
 */
public interface CleanseListener extends LoopListener {

  /** The settings the cleanse runs with, resolved (and fitted, if asked) against the model, and their plan. */
  default void plan(CleansePlan plan) {}

  /** The scan before cleansing (option {@code scan}) found this, or an earlier attempt of the cleanse had. */
  default void scanned(ScanSummary scan) {}

  /** Evaluation before cleansing finished. */
  default void baseline(EvalMetrics before) {}

  /** An outer epoch finished and its checkpoint is published. progress is 0..1 of the epoch budget. */
  default void epoch(EpochRecord epoch, double progress) {}

  /**
   * A resumed cleanse found these epochs in its checkpoint. A listener that records epochs adds any it lacks: the
   * process may have died between publishing a checkpoint and recording its epoch.
   */
  default void resumed(java.util.List<EpochRecord> epochs) {}

  CleanseListener NONE = new CleanseListener() {};
}
