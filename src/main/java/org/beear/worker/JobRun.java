package org.beear.worker;

import java.io.IOException;
import org.beear.policy.Policy;
import org.beear.policy.PolicyInputs;
import org.beear.policy.PolicyOutcome;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.beear.beear.loop.CleanseCancelledException;
import org.beear.beear.scan.ScanCancelledException;
import org.beear.files.InsufficientDiskSpaceException;
import org.beear.job.ClaimWriter;
import org.beear.job.Job;
import org.beear.job.JobStatus;
import org.beear.job.JobStore;
import org.beear.source.FetchedModel;
import org.beear.source.SourceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One claimed job on one worker, whatever its kind: the lease and its heartbeats, the stop state, the writes
 * (fenced on the claim by the {@link ClaimWriter} its {@link RunLease} holds), and how the run ends. What the run
 * computes is its kind's: a {@link CleanseRun} or a {@link ScanRun}, chosen once by the worker from the claim.
 * Once the run is fenced off (halted like a dead process, or its lease taken over) it writes and publishes nothing
 * more, and every engine callback stops the engine on the spot.
 *
 * <p>How a run ends: the engine's result succeeds the job; a {@link CleanseCancelledException} (or a scan's
 * {@link ScanCancelledException}) ends it as its {@link RunStop} says; any other {@link Exception} is the job's own
 * verdict and fails it; an {@link Error} (out of memory, stack overflow, a broken native library) is a crash: the
 * job is re-queued to resume from its checkpoint while it has crashes left. Nothing a run throws ends the worker
 * thread.
 */
abstract class JobRun {

  /** Makes the run of a claimed job of one kind. */
  @FunctionalInterface
  interface Factory {
    JobRun start(JobStore.Claim claim, WorkerContext ctx);
  }

  private static final Logger log = LoggerFactory.getLogger(JobRun.class);

  protected final JobStore.Claim claim;
  protected final WorkerContext ctx;
  protected final RunLease lease;
  /** Every write of the run, fenced on its claim. */
  protected final ClaimWriter writes;
  protected final RunFiles files;
  private final RunStop stop = new RunStop();
  private final ModelDownloads downloads;

  JobRun(JobStore.Claim claim, WorkerContext ctx) {
    this.claim = claim;
    this.ctx = ctx;
    this.lease = new RunLease(claim, ctx, stop);
    this.writes = lease.writes();
    this.downloads = new ModelDownloads(ctx, stop, lease::pollCancelFlag);
    this.files = new RunFiles(ctx, downloads);
  }

  /** What the run computes for its job, ending with {@link #succeed} when the engine's result is stored. */
  protected abstract void execute(Job job) throws IOException;

  UUID jobId() {
    return claim.jobId();
  }

  /** Asks the run to stop for this reason; a download in progress is aborted at once. */
  void stop(RunStop.Reason why) {
    stop.request(why);
    downloads.abort();
  }

  void run() {
    UUID jobId = claim.jobId();
    long beatMillis = ctx.properties().worker().heartbeatInterval().toMillis();
    ScheduledFuture<?> heartbeat =
        ctx.heartbeats().scheduleAtFixedRate(lease::heartbeat, beatMillis, beatMillis, TimeUnit.MILLISECONDS);
    try {
      Job job = ctx.jobs().findById(jobId).orElseThrow();
      files.echo(job);
      if (job.isCancelRequested()) {
        stop.request(RunStop.Reason.CANCELLED);
        throw new CleanseCancelledException("cancel requested before the run started");
      }
      execute(job);
    } catch (CleanseCancelledException | ScanCancelledException e) {
      stopped(e.getMessage());
    } catch (SourceException | IllegalArgumentException | InsufficientDiskSpaceException e) {
      fail(e.getMessage());
    } catch (Exception e) {
      log.warn("job {} failed", jobId, e);
      fail(describe(e));
    } catch (Error e) { // NOPMD: a run's Error must not end the worker thread; it is counted as a crash
      log.error("job {} crashed", jobId, e);
      crashed(e);
    } finally {
      heartbeat.cancel(false);
    }
  }

  /** Records what the fetch of the job's model resolved: the archive's digest, the hub revision's commit. */
  protected final FetchedModel fetched(FetchedModel model) {
    if (model.sha256() != null) {
      writes.modelChecksum(model.sha256());
      // an http(s) archive's digest, or an s3:// model's SHA256SUMS digest: the job's model_sha256 either way
      event(JobStore.INFO, "fetched the model (model_sha256 " + model.sha256() + ")");
    }
    if (model.revision() != null) {
      event(JobStore.INFO, "revision resolved to commit " + model.revision());
    }
    return model;
  }

  /**
   * Ends the job as succeeded, with the after-metrics JSON of a cleanse (null for a scan). Returns whether this run
   * ended it: a run fenced off here leaves the job, and what it counts once per job, to its successor.
   */
  /**
   * The job's policy checked against what the run measured, kept on the job and logged; null when the job has none.
   * A failed or undecided policy does not fail the job: the outcome is the job's verdict for a release gate.
   */
  protected final PolicyOutcome checkPolicy(Job job, PolicyInputs inputs) {
    if (job.getPolicy() == null) {
      return null;
    }
    PolicyOutcome outcome = PolicyOutcome.check(policy(job), inputs);
    writes.policyOutcome(ctx.json().write(outcome.toMap()));
    event(JobStore.INFO, outcome.text().strip().replace(System.lineSeparator(), "; "));
    return outcome;
  }

  /** The job's policy, as stored at submission (checked then). */
  protected final Policy policy(Job job) {
    return Policy.fromMap(ctx.json().read(job.getPolicy(), java.util.Map.class));
  }

  protected final boolean succeed(String metricsAfterJson) {
    boolean succeeded = writes.finish(JobStatus.SUCCEEDED, metricsAfterJson, null);
    ended(succeeded);
    return succeeded;
  }

  protected final void event(String type, String message, String dataJson) {
    writes.event(type, message, dataJson);
  }

  /** A line in the job's log; a listener callback of both kinds. */
  public void event(String type, String message) {
    event(type, message, null);
  }

  /** Polled by the engine between steps: a cancel, a lost lease, a shutdown or a halt stop it. */
  public boolean cancelRequested() {
    return lease.stopRequested();
  }

  /** The engine stopped because we asked it to (or on its own); the stop's reason decides where the job goes. */
  private void stopped(String message) {
    RunStop.Reason why = stop.reason().orElse(null);
    if (why == RunStop.Reason.HALTED) {
      return;
    }
    if (why == RunStop.Reason.LEASE_LOST) {
      log.warn("job {}: worker {} lost its lease; leaving the job to its new owner", claim.jobId(),
          claim.workerId());
      return;
    }
    if (why == RunStop.Reason.CANCELLED || lease.cancelFlag()) {
      ended(writes.finish(JobStatus.CANCELLED, null, null));
    } else if (why == RunStop.Reason.SHUTDOWN) {
      writes.release("worker " + claim.workerId() + " is shutting down");
    } else {
      fail("stopped without a cancel request: " + message);
    }
  }

  private void fail(String message) {
    if (!stop.fenced()) {
      ended(writes.finish(JobStatus.FAILED, null, files.shown(message)));
    }
  }

  private void crashed(Error e) {
    if (stop.fenced()) {
      return;
    }
    ClaimWriter.CrashOutcome outcome = writes.crashed(files.shown(describe(e)),
        ctx.properties().worker().maxAttempts());
    if (outcome == ClaimWriter.CrashOutcome.FAILED) {
      ended(true);
    }
  }

  /** A job that ended for good needs its checkpoints no more; one that may resume keeps them. */
  private void ended(boolean forGood) {
    if (!forGood) {
      return;
    }
    ctx.workDirectories().discard(claim.jobId()); // what it cannot remove now, its next sweep does
  }

  private static String describe(Throwable e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }
}
