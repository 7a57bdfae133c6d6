package org.beear.beear;

/**
 * What a running cleanse tells its caller. Called on the cleansing thread; implementations must be quick.
 * The CLI prints these; the service stores them as job events and metrics.
 */
public interface CleanseListener {

  /** A phase started or finished, or something worth a line in the job's event log. */
  default void event(String type, String message) {}

  /** The settings the cleanse runs with, resolved (and fitted, if asked) against the model, and their plan. */
  default void plan(CleansePlan plan) {}

  /** The scan before cleansing (option {@code scan}) found this, or an earlier attempt of the cleanse had. */
  default void scanned(ScanSummary scan) {}

  /** Evaluation before cleansing finished. */
  default void baseline(EvalMetrics before) {}

  /** One optimisation step finished; phase is "entrapment" or "removal". */
  default void step(String phase, double seconds) {}

  /** An outer epoch finished and its checkpoint is published. progress is 0..1 of the epoch budget. */
  default void epoch(EpochRecord epoch, double progress) {}

  /**
   * A resumed cleanse found these epochs in its checkpoint. A listener that records epochs adds any it lacks: the
   * process may have died between publishing a checkpoint and recording its epoch.
   */
  default void resumed(java.util.List<EpochRecord> epochs) {}

  /**
   * Polled between steps. Returning true stops the cleanse within one step with {@link CleanseCancelledException}.
   */
  default boolean cancelRequested() {
    return false;
  }

  /**
   * Called immediately before each rename that publishes state: an epoch checkpoint in the work directory, the
   * cleansed model in the output location. Throwing (e.g. {@link CleanseCancelledException} once this worker no
   * longer holds the job's lease) stops the cleanse with nothing published, so a worker that was fenced off
   * cannot overwrite the state of the one that took over. {@code what} names the state, for messages.
   */
  default void beforeCommit(String what) {}

  CleanseListener NONE = new CleanseListener() {};
}
