package org.beear.worker;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.beear.app.BeearProperties;
import org.beear.app.ReplicaIdentity;
import org.beear.beear.CleanseEngine;
import org.beear.job.JobCancelRequested;
import org.beear.job.JobJson;
import org.beear.job.JobMetrics;
import org.beear.job.JobRepository;
import org.beear.job.JobStore;
import org.beear.job.ModelUris;
import org.beear.job.WorkerDevices;
import org.beear.source.DataFiles;
import org.beear.source.ModelSources;
import org.beear.security.AttestationKey;
import org.beear.source.OutputSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The workers of this replica when {@code beear.worker.enabled}: {@code beear.worker.slots} of them, which is one
 * (a process trains one job at a time; see {@link Worker#ENGINE}). On shutdown a running job stops within one step
 * and goes back to the queue for another replica to resume.
 */
@Component
public class WorkerPool implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  private final BeearProperties properties;
  private final WorkerContext context;
  private final ScheduledExecutorService heartbeats;
  private final List<Worker> workers = new CopyOnWriteArrayList<>();
  private final ReplicaIdentity replica;
  private final JobStore store;
  private volatile boolean running;

  public WorkerPool(BeearProperties properties, CleanseEngine engine, JobRepository jobs,
      JobStore store, JobJson json, JobMetrics metrics,
      ModelSources sources, ModelUris modelUris, DataFiles dataFiles, WorkerDevices devices,
      ReplicaIdentity replica, WorkDirectorySweeper workDirectories, OutputSink outputs,
      AttestationKey attestationKey) {
    this.properties = properties;
    this.replica = replica;
    this.store = store;
    this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "beear-heartbeat");
      t.setDaemon(true);
      return t;
    });
    this.context = new WorkerContext(properties, engine, jobs, store, json, metrics,
        sources, modelUris, dataFiles, devices, workDirectories, outputs, attestationKey, heartbeats);
  }

  @Override
  public void start() {
    running = true;
    if (properties.worker().enabled() && replica.stable()) {
      int recovered = store.recoverAbandoned(replica.id(), properties.worker().maxAttempts());
      if (recovered > 0) {
        log.info("replica {} restarted: {} job(s) its previous process held were re-queued or ended", replica.id(),
            recovered);
      }
    }
    if (properties.worker().enabled()) {
      for (int i = 0; i < properties.worker().slots(); i++) {
        startWorker();
      }
    }
  }

  /** Adds a worker with a fresh id (used at start-up, and to replace a halted worker). */
  public Worker startWorker() {
    Worker worker = new Worker(replica.id() + "-" + SEQUENCE.incrementAndGet(), context);
    workers.add(worker);
    worker.start();
    return worker;
  }

  /** What this pool's workers run jobs with (tests drive a run's callbacks with it). */
  WorkerContext context() {
    return context;
  }

  public List<Worker> workers() {
    return List.copyOf(workers);
  }

  /** Worker threads still running; none while workers are enabled means this replica can do no more work. */
  public long aliveWorkers() {
    return workers.stream().filter(Worker::isAlive).count();
  }

  @EventListener
  public void onCancelRequested(JobCancelRequested event) {
    workers.forEach(w -> w.cancel(event.jobId()));
  }

  @Override
  public void stop() {
    running = false;
    workers.forEach(Worker::shutdown);
    for (Worker worker : workers) {
      try {
        if (!worker.awaitTermination(Duration.ofSeconds(25))) {
          log.warn("worker {} did not stop in time; its lease will expire and the job will be resumed",
              worker.id());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    heartbeats.shutdownNow();
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
