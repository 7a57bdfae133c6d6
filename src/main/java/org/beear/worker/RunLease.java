package org.beear.worker;

import java.util.Optional;
import org.beear.beear.loop.CleanseCancelledException;
import org.beear.job.JobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's hold on its job: the heartbeat that extends the lease, the polls of the job's cancel flag, and the fence
 * every write passes. What they find (cancel requested, lease lost) goes into the run's one {@link RunStop}.
 */
final class RunLease {

  private static final Logger log = LoggerFactory.getLogger(RunLease.class);

  private final JobStore.Claim claim;
  private final WorkerContext ctx;
  private final RunStop stop;
  private final long cancelPollNanos;
  private long lastCancelPoll = System.nanoTime();

  RunLease(JobStore.Claim claim, WorkerContext ctx, RunStop stop) {
    this.claim = claim;
    this.ctx = ctx;
    this.stop = stop;
    this.cancelPollNanos = ctx.properties().worker().cancelPollInterval().toNanos();
  }

  /** Extends the lease (on the heartbeat schedule); a lost lease or a cancel request is noted in the stop. */
  void heartbeat() {
    if (stop.fenced()) {
      return;
    }
    try {
      Optional<Boolean> held = ctx.store().heartbeat(claim, ctx.properties().worker().lease());
      if (held.isEmpty()) {
        stop.request(RunStop.Reason.LEASE_LOST);
      } else if (held.get()) {
        stop.request(RunStop.Reason.CANCELLED);
      }
    } catch (RuntimeException e) {
      // A missed beat is survivable: the lease is several beats long. Throwing would end the schedule.
      log.warn("heartbeat for job {} failed: {}", claim.jobId(), e.toString());
    }
  }

  /** Reads the job's cancel flag and lease from the job store; a failed read changes nothing. */
  void pollCancelFlag() {
    try {
      Optional<Boolean> flag = ctx.store().cancelRequested(claim);
      if (flag.isEmpty()) {
        stop.request(RunStop.Reason.LEASE_LOST);
      } else if (flag.get()) {
        stop.request(RunStop.Reason.CANCELLED);
      }
    } catch (RuntimeException e) {
      log.warn("cancel check for job {} failed: {}", claim.jobId(), e.toString());
    }
  }

  /** Whether the run should stop; the job store is read at most once per cancel-poll interval. */
  boolean stopRequested() {
    if (stop.requested()) {
      return true;
    }
    long now = System.nanoTime();
    if (now - lastCancelPoll >= cancelPollNanos) {
      lastCancelPoll = now;
      pollCancelFlag();
    }
    return stop.requested();
  }

  /** A fenced-off run (halted, or its lease taken over) must not get one more step in: stop the engine here. */
  void requireHeld() {
    if (stop.fenced()) {
      throw new CleanseCancelledException(stop.reason().orElseThrow() == RunStop.Reason.HALTED
          ? "worker " + claim.workerId() + " halted" : "the lease of job " + claim.jobId() + " was lost");
    }
  }

  /** A write the store refused because the claim no longer holds the job: the lease was lost. */
  void requireHeld(boolean written) {
    if (!written) {
      stop.request(RunStop.Reason.LEASE_LOST);
    }
    requireHeld();
  }

  /** The lease, confirmed now and extended, before something is published; throws when it is lost. */
  void confirm() {
    requireHeld();
    requireHeld(ctx.store().heartbeat(claim, ctx.properties().worker().lease()).isPresent());
  }
}
