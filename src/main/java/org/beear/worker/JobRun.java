package org.beear.worker;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.beear.beear.CleanseCancelledException;
import org.beear.beear.CleanseListener;
import org.beear.beear.CleanseRequest;
import org.beear.beear.CleanseResult;
import org.beear.beear.EpochRecord;
import org.beear.beear.EvalMetrics;
import org.beear.job.CleanseJob;
import org.beear.job.JobEventLog;
import org.beear.job.JobStatus;
import org.beear.job.JobTransitions;
import org.beear.net.FetchCancellation;
import org.beear.net.FetchCancelledException;
import org.beear.source.FetchedModel;
import org.beear.source.SourceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One claimed job on one worker: fetches the model, runs the engine, and turns the engine's callbacks into
 * events, epoch rows, progress and metrics. A heartbeat keeps the lease while it runs. Once the worker is halted
 * the run writes nothing more, exactly like a process that died.
 */
final class JobRun implements CleanseListener {

  private static final Logger log = LoggerFactory.getLogger(JobRun.class);

  private final Worker worker;
  private final JobTransitions.Claim claim;
  private final WorkerContext ctx;
  private final long cancelPollNanos;
  private volatile boolean cancelledByUser;
  private volatile boolean leaseLost;
  private volatile FetchCancellation download;
  private long lastCancelPoll = System.nanoTime();
  private boolean baselineSeen;
  private int maxEpochs;
  private int epochsThisRun;
  private double epochSecondsThisRun;

  JobRun(Worker worker, JobTransitions.Claim claim, WorkerContext ctx) {
    this.worker = worker;
    this.claim = claim;
    this.ctx = ctx;
    this.cancelPollNanos = ctx.properties().worker().cancelPollInterval().toNanos();
  }

  UUID jobId() {
    return claim.jobId();
  }

  void cancelByUser() {
    cancelledByUser = true;
    FetchCancellation downloading = download;
    if (downloading != null) {
      downloading.cancel();
    }
  }

  void run() {
    UUID jobId = claim.jobId();
    long beatMillis = ctx.properties().worker().heartbeatInterval().toMillis();
    ScheduledFuture<?> heartbeat =
        ctx.heartbeats().scheduleAtFixedRate(this::heartbeat, beatMillis, beatMillis, TimeUnit.MILLISECONDS);
    try {
      CleanseJob job = ctx.jobs().findById(jobId).orElseThrow();
      maxEpochs = job.getMaxEpochs();
      if (job.isCancelRequested()) {
        throw new CleanseCancelledException("cancel requested before the run started");
      }
      CleanseResult result = ctx.engine().cleanse(request(job), this);
      if (muted()) {
        return;
      }
      if (!baselineSeen && result.before() != null) {
        baseline(result.before());
      }
      ctx.metrics().evaluation(jobId, "after", result.after());
      ctx.metrics().progress(jobId, 1.0);
      ctx.events().append(jobId, JobEventLog.INFO, "after: " + summary(result.after())
          + (result.earlyStopped() ? " (stopped early: target ASR reached)" : ""), ctx.json().write(result.after()));
      ctx.transitions().finish(jobId, worker.id(), JobStatus.SUCCEEDED, ctx.json().write(result.after()), null);
    } catch (CleanseCancelledException e) {
      stopped(e.getMessage());
    } catch (SourceException | IllegalArgumentException e) {
      fail(e.getMessage());
    } catch (Exception | OutOfMemoryError e) {
      log.warn("job {} failed", jobId, e);
      fail(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    } finally {
      heartbeat.cancel(false);
    }
  }

  private CleanseRequest request(CleanseJob job) throws IOException {
    UUID jobId = job.getId();
    FetchedModel model = fetchModel(job);
    if (model.sha256() != null) {
      ctx.progress().modelChecksum(jobId, worker.id(), model.sha256());
      event(JobEventLog.INFO, "downloaded the model archive (sha256 " + model.sha256() + ")");
    }
    ctx.engine().validateModel(model.directory());
    Path workDir = ctx.properties().workDir(jobId.toString()).toAbsolutePath();
    Files.createDirectories(workDir);
    Path outputDir = Path.of(URI.create(job.getOutputUri()));
    Files.createDirectories(outputDir.getParent());
    if (claim.attempt() > 1) {
      event(JobEventLog.INFO, "attempt " + claim.attempt() + ": resuming from the checkpoint in the work directory");
    }
    org.beear.beear.BeearOptions options = ctx.json().options(job);
    return new CleanseRequest(model.directory(), outputDir, workDir, options, ctx.json().triggers(job),
        ctx.dataFiles().resolve(job.getDefenderDataUri()), ctx.dataFiles().resolve(job.getAnchoringDataUri()),
        ctx.devices().forOptions(options));
  }

  /**
   * Fetches the job's model while a watch, every cancel-poll interval, aborts the download once the job should stop
   * (cancelled, lease lost, worker stopping): a download blocked in the network would not notice by itself.
   */
  private FetchedModel fetchModel(CleanseJob job) {
    FetchCancellation cancellation = new FetchCancellation();
    download = cancellation;
    long pollMillis = Math.max(1, ctx.properties().worker().cancelPollInterval().toMillis());
    ScheduledFuture<?> watch = ctx.heartbeats().scheduleAtFixedRate(() -> watchDownload(cancellation), pollMillis,
        pollMillis, TimeUnit.MILLISECONDS);
    try {
      return ctx.sources().fetch(ctx.modelUris().forFetch(job), cancellation);
    } catch (FetchCancelledException e) {
      throw new CleanseCancelledException("stopped during the model download");
    } finally {
      watch.cancel(false);
      download = null;
    }
  }

  private void watchDownload(FetchCancellation cancellation) {
    if (!stopWanted()) {
      pollCancelFlag();
    }
    if (stopWanted()) {
      cancellation.cancel();
    }
  }

  /** The worker halts or stops, the user cancelled, or another worker holds the lease now. */
  private boolean stopWanted() {
    return worker.isHalted() || worker.isStopping() || cancelledByUser || leaseLost;
  }

  /** Reads the job's cancel flag and lease from the job store; a failed read changes nothing. */
  private void pollCancelFlag() {
    try {
      Optional<Boolean> flag = ctx.progress().cancelRequested(claim.jobId(), worker.id());
      leaseLost = flag.isEmpty();
      cancelledByUser = flag.orElse(false);
    } catch (RuntimeException e) {
      log.warn("cancel check for job {} failed: {}", claim.jobId(), e.toString());
    }
  }

  /** The engine stopped because we asked it to; why we asked decides where the job goes. */
  private void stopped(String message) {
    UUID jobId = claim.jobId();
    if (muted()) {
      return;
    }
    if (cancelledByUser || ctx.progress().cancelRequested(jobId, worker.id()).orElse(false)) {
      ctx.transitions().finish(jobId, worker.id(), JobStatus.CANCELLED, null, null);
    } else if (leaseLost) {
      log.warn("job {}: worker {} lost its lease; leaving the job to its new owner", jobId, worker.id());
    } else if (worker.isStopping()) {
      ctx.transitions().release(jobId, worker.id(), "worker " + worker.id() + " is shutting down");
    } else {
      fail("stopped without a cancel request: " + message);
    }
  }

  private void fail(String message) {
    if (muted()) {
      return;
    }
    ctx.events().append(claim.jobId(), JobEventLog.ERROR, message);
    ctx.transitions().finish(claim.jobId(), worker.id(), JobStatus.FAILED, null, message);
  }

  private boolean muted() {
    return worker.isHalted();
  }

  private void heartbeat() {
    if (muted()) {
      return;
    }
    try {
      Optional<Boolean> held =
          ctx.progress().heartbeat(claim.jobId(), worker.id(), ctx.properties().worker().lease());
      if (held.isEmpty()) {
        leaseLost = true;
      } else if (held.get()) {
        cancelledByUser = true;
      }
    } catch (RuntimeException e) {
      // A missed beat is survivable: the lease is several beats long. Throwing would end the schedule.
      log.warn("heartbeat for job {} failed: {}", claim.jobId(), e.toString());
    }
  }

  /**
   * A halted worker is a dead process: the engine must not get one more step in (not even its next checkpoint
   * write), so every callback after the halt stops it on the spot.
   */
  private void requireAlive() {
    if (muted()) {
      throw new CleanseCancelledException("worker " + worker.id() + " halted");
    }
  }

  @Override
  public void event(String type, String message) {
    requireAlive();
    ctx.events().append(claim.jobId(), type, message);
  }

  @Override
  public void plan(org.beear.beear.CleansePlan plan) {
    requireAlive();
    ctx.progress().plan(claim.jobId(), worker.id(), ctx.json().write(plan.settings().toOptions()),
        ctx.json().write(org.beear.job.JobJson.withoutSettings(plan.describe())));
    ctx.events().append(claim.jobId(), JobEventLog.INFO, "memory plan: " + plan.memory().verdict()
        + (plan.fitted() ? " (memory settings fitted)" : ""));
  }

  @Override
  public void baseline(EvalMetrics before) {
    requireAlive();
    baselineSeen = true;
    ctx.progress().baseline(claim.jobId(), worker.id(), before);
    ctx.events().append(claim.jobId(), JobEventLog.BASELINE, "before: " + summary(before), ctx.json().write(before));
    ctx.metrics().evaluation(claim.jobId(), "before", before);
  }

  @Override
  public void step(String phase, double seconds) {
    requireAlive();
    ctx.metrics().step(phase, seconds);
  }

  @Override
  public void epoch(EpochRecord epoch, double progress) {
    requireAlive();
    epochsThisRun++;
    epochSecondsThisRun += epoch.seconds();
    Double eta = maxEpochs > epoch.epoch()
        ? epochSecondsThisRun / epochsThisRun * (maxEpochs - epoch.epoch()) : Double.valueOf(0);
    UUID jobId = claim.jobId();
    if (!ctx.progress().epoch(jobId, worker.id(), claim.attempt(), epoch, progress, eta)) {
      leaseLost = true;
      return;
    }
    String message = String.format(Locale.ROOT, "epoch %d/%d: %s; losses entrapment %s, removal %s, anchor %s (%.1fs)",
        epoch.epoch(), maxEpochs, summary(epoch.metrics()), loss(epoch.entrapmentLoss()),
        loss(epoch.removalSafeLoss()), loss(epoch.removalAnchorLoss()), epoch.seconds());
    ctx.events().append(jobId, JobEventLog.EPOCH, message, ctx.json().write(EpochEvent.of(epoch, progress, claim)));
    ctx.metrics().epoch(jobId, epoch, progress);
  }

  @Override
  public boolean cancelRequested() {
    if (stopWanted()) {
      return true;
    }
    long now = System.nanoTime();
    if (now - lastCancelPoll >= cancelPollNanos) {
      lastCancelPoll = now;
      pollCancelFlag();
    }
    return cancelledByUser || leaseLost;
  }

  private static String summary(EvalMetrics m) {
    if (m == null) {
      return "no evaluation";
    }
    return "ASR triggered " + ratio(m.asrTriggered()) + ", no trigger " + ratio(m.asrNoTrigger())
        + ", perturbation " + ratio(m.asrPerturbation());
  }

  private static String ratio(Double v) {
    return v == null ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
  }

  private static String loss(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "n/a";
  }

  /** The data of an {@code epoch} event; non-finite losses become null so the JSON stays valid. */
  record EpochEvent(int epoch, int attempt, double progress, Double entrapmentLoss, Double removalSafeLoss,
      Double removalAnchorLoss, EvalMetrics metrics, double seconds) {
    static EpochEvent of(EpochRecord e, double progress, JobTransitions.Claim claim) {
      return new EpochEvent(e.epoch(), claim.attempt(), progress, finite(e.entrapmentLoss()),
          finite(e.removalSafeLoss()), finite(e.removalAnchorLoss()), e.metrics(), e.seconds());
    }

    private static Double finite(double v) {
      return Double.isFinite(v) ? v : null;
    }
  }
}
