package org.beear.worker;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.beear.job.JobKind;
import org.beear.job.JobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker thread: claims the oldest queued job, runs it (a {@link CleanseRun} or a {@link ScanRun}, chosen from
 * the claim), repeats. A replica has one ({@code beear.worker.slots} is 1): DJL allows one gradient collector per
 * process, so {@link #ENGINE} lets one run at a time into the engine across the whole JVM, and a worker takes it
 * before it claims, so that a job is never held by a worker that cannot run it yet. Nothing a job throws ends the
 * thread (see {@link JobRun}); the pool's liveness check reports when no worker thread is left.
 */
public final class Worker implements Runnable {

  /**
   * One run in the engine per JVM, whatever the number of workers or Spring contexts: a worker started to replace
   * a halted one, or another context's, waits here until the engine is free.
   */
  static final Semaphore ENGINE = new Semaphore(1);

  /** The run of each kind of job, chosen once, from the claim. */
  static final Map<JobKind, JobRun.Factory> RUNS =
      new EnumMap<>(Map.of(JobKind.CLEANSE, CleanseRun::new, JobKind.SCAN, ScanRun::new));

  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  private final String id;
  private final WorkerContext context;
  private final Thread thread;
  private final Object idle = new Object();
  private volatile boolean stopping;
  private volatile boolean halted;
  private volatile JobRun current;

  Worker(String id, WorkerContext context) {
    this.id = id;
    this.context = context;
    this.thread = new Thread(this, "beear-" + id);
    this.thread.setDaemon(true);
  }

  public String id() {
    return id;
  }

  void start() {
    thread.start();
  }

  /** The job this worker is running, if any. */
  public Optional<UUID> currentJob() {
    JobRun run = current;
    return run == null ? Optional.empty() : Optional.of(run.jobId());
  }

  public boolean isAlive() {
    return thread.isAlive();
  }

  @Override
  public void run() {
    Duration poll = context.properties().worker().pollInterval();
    while (!stopping && !halted) {
      boolean ranJob = false;
      try {
        if (ENGINE.tryAcquire(poll.toMillis(), TimeUnit.MILLISECONDS)) {
          try {
            ranJob = claimAndRun();
          } finally {
            ENGINE.release();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.warn("worker {}: {}", id, e.toString()); // e.g. the database is briefly unreachable
      } catch (Error e) { // NOPMD: e.g. out of memory while recording a crash; the job's lease runs out instead
        log.error("worker {} survived an error outside a job's run", id, e);
      }
      if (!ranJob) {
        pause(poll);
      }
    }
  }

  private boolean claimAndRun() {
    Optional<JobStore.Claim> claim = context.store().claimNext(id, context.properties().worker().lease());
    if (claim.isEmpty()) {
      return false;
    }
    JobRun run = RUNS.get(claim.get().kind()).start(claim.get(), context);
    current = run;
    // a stop that came while claiming applies to this run too
    if (halted) {
      run.stop(RunStop.Reason.HALTED);
    } else if (stopping) {
      run.stop(RunStop.Reason.SHUTDOWN);
    }
    try {
      run.run();
    } finally {
      current = null;
    }
    return true;
  }

  private void pause(Duration poll) {
    synchronized (idle) {
      if (!stopping && !halted) {
        try {
          idle.wait(poll.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** Asks a running job of this worker to stop because a user cancelled it. */
  void cancel(UUID jobId) {
    JobRun run = current;
    if (run != null && run.jobId().equals(jobId)) {
      run.stop(RunStop.Reason.CANCELLED);
    }
  }

  /**
   * Graceful stop: a running cleanse stops within one step and its job goes straight back to the queue, where
   * another worker resumes it from its checkpoint.
   */
  void shutdown() {
    stopping = true;
    stopCurrent(RunStop.Reason.SHUTDOWN);
    wake();
  }

  /**
   * Stops this worker as if its process had died: no more heartbeats and no more writes, not even a final status.
   * The job keeps its lease until the lease runs out; then the reaper re-queues it and another worker resumes it.
   * This is the failure the lease exists for; chaos drills and tests use it to prove recovery.
   */
  public void halt() {
    halted = true;
    stopCurrent(RunStop.Reason.HALTED);
    wake();
  }

  private void stopCurrent(RunStop.Reason why) {
    JobRun run = current;
    if (run != null) {
      run.stop(why);
    }
  }

  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    thread.join(timeout.toMillis());
    return !thread.isAlive();
  }

  private void wake() {
    synchronized (idle) {
      idle.notifyAll();
    }
  }
}
