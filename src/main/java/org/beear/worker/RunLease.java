package org.beear.worker;

import org.beear.job.ClaimWriter;
import org.beear.job.JobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's hold on its job: the heartbeat that extends the lease, the polls of the job's cancel flag, and the one
 * answer to "may this run still write?". The run writes through the {@link ClaimWriter} the lease holds, which asks
 * the lease before every write and tells it of every write the store refused: what they find (cancel requested,
 * lease lost) goes into the run's one {@link RunStop}, and a run that was fenced off stops with a
 * {@link RunFencedException} at its next write or step.
 */
final class RunLease implements ClaimWriter.Holder {

  private static final Logger log = LoggerFactory.getLogger(RunLease.class);

  private final JobStore.Claim claim;
  private final WorkerContext ctx;
  private final RunStop stop;
  private final ClaimWriter writes;
  private final long cancelPollNanos;
  private long lastCancelPoll = System.nanoTime();

  RunLease(JobStore.Claim claim, WorkerContext ctx, RunStop stop) {
    this.claim = claim;
    this.ctx = ctx;
    this.stop = stop;
    this.writes = ctx.store().claimed(claim, this);
    this.cancelPollNanos = ctx.properties().worker().cancelPollInterval().toNanos();
  }

  /** Every write of the run: fenced on its claim, refused once the run is fenced off. */
  ClaimWriter writes() {
    return writes;
  }

  /** Extends the lease (on the heartbeat schedule); a lost lease or a cancel request is noted in the stop. */
  void heartbeat() {
    try {
      if (writes.heartbeat(ctx.properties().worker().lease())) {
        stop.request(RunStop.Reason.CANCELLED);
      }
    } catch (RunFencedException e) {
      // fenced off: halted (no more heartbeats) or the lease was lost (noted in the stop)
    } catch (RuntimeException e) {
      // A missed beat is survivable: the lease is several beats long. Throwing would end the schedule.
      log.warn("heartbeat for job {} failed: {}", claim.jobId(), e.toString());
    }
  }

  /** Reads the job's cancel flag and lease from the job store; a failed read changes nothing. */
  void pollCancelFlag() {
    try {
      if (cancelFlag()) {
        stop.request(RunStop.Reason.CANCELLED);
      }
    } catch (RuntimeException e) {
      log.warn("cancel check for job {} failed: {}", claim.jobId(), e.toString());
    }
  }

  /** The job's cancel flag as the job store has it now; false once the claim no longer holds the job. */
  boolean cancelFlag() {
    try {
      return writes.cancelRequested();
    } catch (RunFencedException e) {
      return false; // the lease was lost: noted in the stop
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
      throw fencedOff();
    }
  }

  /** The lease, confirmed now and extended, before something is published; throws when it is lost. */
  void confirm() {
    writes.heartbeat(ctx.properties().worker().lease());
  }

  @Override
  public void beforeWrite() {
    requireHeld();
  }

  /** A write the store refused because the claim no longer holds the job: the lease was lost. */
  @Override
  public RuntimeException lost(JobStore.Claim lostClaim) {
    stop.request(RunStop.Reason.LEASE_LOST);
    return fencedOff();
  }

  private RunFencedException fencedOff() {
    return new RunFencedException(stop.reason().orElse(RunStop.Reason.LEASE_LOST) == RunStop.Reason.HALTED
        ? "worker " + claim.workerId() + " halted" : "the lease of job " + claim.jobId() + " was lost");
  }
}
