package org.beear.beear.loop;

/**
 * What the training loop tells whoever runs it, and asks of it: the part of
 * {@link org.beear.beear.CleanseListener} the loop itself needs. Called on the cleansing thread.
 */
public interface LoopListener {

  /** A phase started or finished, or something worth a line in the job's event log. */
  default void event(String type, String message) {}

  /** One optimisation step finished; phase is "entrapment", "removal" or "evaluation". */
  default void step(String phase, double seconds) {}

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
}
