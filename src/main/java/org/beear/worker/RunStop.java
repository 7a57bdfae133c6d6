package org.beear.worker;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Why a run should stop, if it should: the one stop state of a run. Heartbeat results (lease lost, cancel flag
 * seen), the user's cancel and the worker's shutdown or halt set it; the engine reads it between steps, and how
 * the run ends follows from it. The first reason set wins, except that a halt overrides everything: a halted
 * worker is a dead process and writes nothing, not even the end of a cancel.
 */
final class RunStop {

  enum Reason {
    /** The user cancelled the job: it ends cancelled. */
    CANCELLED,
    /** Another claim holds the job now: this run writes nothing more and leaves the job to its new owner. */
    LEASE_LOST,
    /** The worker is shutting down gracefully: the job goes back to the queue and resumes elsewhere. */
    SHUTDOWN,
    /** The worker was halted as if its process died: no writes at all, the lease runs out. */
    HALTED
  }

  private final AtomicReference<Reason> reason = new AtomicReference<>();

  /** Sets the reason unless one is set already (a halt always replaces it). */
  void request(Reason why) {
    if (why == Reason.HALTED) {
      reason.set(why);
    } else {
      reason.compareAndSet(null, why);
    }
  }

  boolean requested() {
    return reason.get() != null;
  }

  Optional<Reason> reason() {
    return Optional.ofNullable(reason.get());
  }

  /** A halted run and one that lost its lease must not write to the job store or publish files. */
  boolean fenced() {
    Reason r = reason.get();
    return r == Reason.HALTED || r == Reason.LEASE_LOST;
  }
}
