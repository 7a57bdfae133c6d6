package org.beear.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.beear.beear.CleanseListener;
import org.beear.beear.CleansePlan;
import org.beear.beear.CleanseRequest;
import org.beear.beear.CleanseResult;
import org.beear.beear.Provenance;
import org.beear.beear.data.BehaviourFamily;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.loop.CleanseCancelledException;
import org.beear.beear.loop.EpochRecord;
import org.beear.beear.scan.BudgetRow;
import org.beear.beear.scan.ScanCancelledException;
import org.beear.beear.scan.ScanListener;
import org.beear.beear.scan.ScanReport;
import org.beear.beear.scan.ScanRequest;
import org.beear.beear.scan.ScanResult;
import org.beear.beear.scan.ScanSummary;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.ScanSettings;
import org.beear.files.InsufficientDiskSpaceException;
import org.beear.job.Job;
import org.beear.job.JobJson;
import org.beear.job.JobKind;
import org.beear.job.JobStatus;
import org.beear.job.JobStore;
import org.beear.net.FetchCancelledException;
import org.beear.net.UriRedaction;
import org.beear.source.FetchedModel;
import org.beear.source.SourceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One claimed job on one worker: fetches the model, runs the engine (a cleanse, or a scan), and turns the engine's
 * callbacks into events, epoch rows, progress and metrics. Its {@link RunLease} keeps the lease while it runs and
 * fences every write on the claim: once the run is fenced off (halted like a dead process, or its lease taken over)
 * it writes and publishes nothing more, and every engine callback stops the engine on the spot.
 *
 * <p>How a run ends: the engine's result succeeds the job; a {@link CleanseCancelledException} (or a scan's
 * {@link ScanCancelledException}) ends it as its {@link RunStop} says; any other {@link Exception} is the job's own
 * verdict and fails it; an {@link Error} (out of memory, stack overflow, a broken native library) is a crash: the
 * job is re-queued to resume from its checkpoint while it has crashes left. Nothing a run throws ends the worker
 * thread.
 */
final class JobRun implements CleanseListener, ScanListener {

  private static final Logger log = LoggerFactory.getLogger(JobRun.class);

  private final JobStore.Claim claim;
  private final WorkerContext ctx;
  private final RunStop stop = new RunStop();
  private final RunLease lease;
  private final ModelDownloads downloads;
  private final RunFiles files;
  private final long startedNanos = System.nanoTime();
  private boolean baselineSeen;
  private int maxEpochs;
  private int epochsThisRun;
  private double epochSecondsThisRun;

  JobRun(JobStore.Claim claim, WorkerContext ctx) {
    this.claim = claim;
    this.ctx = ctx;
    this.lease = new RunLease(claim, ctx, stop);
    this.downloads = new ModelDownloads(ctx, stop, lease::pollCancelFlag);
    this.files = new RunFiles(ctx, downloads);
  }

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
      maxEpochs = job.getMaxEpochs();
      if (job.isCancelRequested()) {
        stop.request(RunStop.Reason.CANCELLED);
        throw new CleanseCancelledException("cancel requested before the run started");
      }
      if (job.getKind() == JobKind.SCAN) {
        scan(job);
      } else {
        cleanse(job);
      }
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

  /** The cleanse: the engine's cleansed model published, its after-metrics (and scan, if it ran one) on the job. */
  private void cleanse(Job job) throws IOException {
    CleanseResult result = ctx.engine().cleanse(request(job), this);
    lease.requireHeld();
    publish(job);
    if (result.provenance() != null) { // now with the digests of the published output
      lease.requireHeld(ctx.store().provenance(claim, null, ctx.json().write(result.provenance())));
    }
    if (!baselineSeen && result.before() != null) {
      baseline(result.before());
    }
    event(JobStore.INFO, "after: " + RunMessages.summary(result.after())
        + (result.earlyStopped() ? " (stopped early: target ASR reached)" : ""), ctx.json().write(result.after()));
    boolean succeeded = ctx.store().finish(claim, JobStatus.SUCCEEDED, ctx.json().write(result.after()), null);
    if (succeeded) { // once per job: a run fenced off here leaves the job, and its ASR, to its successor
      ctx.metrics().asrAfter(result.after());
      if (result.scan() != null) {
        ctx.metrics().scanned(result.scan().verdict());
      }
    }
    ended(succeeded);
  }

  /**
   * The scan: the suspect (and the reference, if any) fetched like a cleanse's model, the engine's verdict kept on
   * the job as the API shows it (model and reference by their redacted URIs, not the worker's directories).
   */
  private void scan(Job job) throws IOException {
    FetchedModel model = fetched(files.model(job));
    lease.requireHeld(ctx.store().provenance(claim, model.revision(),
        ctx.json().write(RunProvenance.of(job, model, null, null))));
    if (job.getReferenceUri() != null) {
      event(JobStore.INFO, "fetching the reference model " + job.getReferenceUri());
    }
    Path reference = files.reference(job);
    ScanSettings settings = ctx.json().scanOptions(job).toSettings();
    ScanResult result = ctx.engine().scan(new ScanRequest(model.directory(), reference, settings), this);
    lease.requireHeld();
    Map<String, Object> shown = new LinkedHashMap<>(ScanReport.toMap(result));
    shown.put("model", UriRedaction.redact(job.getModelUri()));
    shown.put("reference", UriRedaction.redact(job.getReferenceUri()));
    lease.requireHeld(ctx.store().scanResult(claim, ctx.json().write(shown)));
    event(JobStore.INFO, String.format(Locale.ROOT, "scan: %s (score %s)", result.verdict().words(),
        result.score() == null ? "n/a" : String.format(Locale.ROOT, "%.2f", result.score())));
    boolean succeeded = ctx.store().finish(claim, JobStatus.SUCCEEDED, null, null);
    if (succeeded) { // once per job, as a cleanse's ASR
      ctx.metrics().scanned(result.verdict());
    }
    ended(succeeded);
  }

  private CleanseRequest request(Job job) throws IOException {
    UUID jobId = job.getId();
    FetchedModel model = fetched(files.model(job));
    Path defenderData = files.defenderData(job);
    Path anchoringData = files.anchoringData(job);
    Provenance provenance = RunProvenance.of(job, model, defenderData, anchoringData);
    lease.requireHeld(ctx.store().provenance(claim, model.revision(), ctx.json().write(provenance)));
    ctx.engine().validateModel(model.directory());
    Path workDir = workDir();
    Files.createDirectories(workDir);
    Path outputDir = files.output(job);
    if (claim.attempt() > 1) {
      event(JobStore.INFO, "attempt " + claim.attempt() + ": resuming from the checkpoint in the work directory");
    }
    BeearOptions options = ctx.json().options(job);
    return new CleanseRequest(model.directory(), outputDir, workDir, options, ctx.json().triggers(job),
        defenderData, anchoringData, ctx.devices().forOptions(options), provenance);
  }

  /**
   * An {@code s3://} output goes up now, after the engine wrote it locally and before the job may succeed; the
   * upload needs the lease, and stops between parts when the run should stop.
   */
  private void publish(Job job) {
    beforeCommit("the output upload");
    try {
      ctx.outputs().publish(job.getId(), job.getOutputUri(), this::cancelRequested);
    } catch (FetchCancelledException e) {
      throw new CleanseCancelledException("stopped during the output upload");
    }
  }

  private Path workDir() {
    return ctx.properties().workDir(claim.jobId().toString()).toAbsolutePath();
  }

  /** Records what the fetch of the job's model resolved: the archive's digest, the hub revision's commit. */
  private FetchedModel fetched(FetchedModel model) {
    if (model.sha256() != null) {
      lease.requireHeld(ctx.store().modelChecksum(claim, model.sha256()));
      // an http(s) archive's digest, or an s3:// model's SHA256SUMS digest: the job's model_sha256 either way
      event(JobStore.INFO, "fetched the model (model_sha256 " + model.sha256() + ")");
    }
    if (model.revision() != null) {
      event(JobStore.INFO, "revision resolved to commit " + model.revision());
    }
    return model;
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
    if (why == RunStop.Reason.CANCELLED || ctx.store().cancelRequested(claim).orElse(false)) {
      ended(ctx.store().finish(claim, JobStatus.CANCELLED, null, null));
    } else if (why == RunStop.Reason.SHUTDOWN) {
      ctx.store().release(claim, "worker " + claim.workerId() + " is shutting down");
    } else {
      fail("stopped without a cancel request: " + message);
    }
  }

  private void fail(String message) {
    if (!stop.fenced()) {
      ended(ctx.store().finish(claim, JobStatus.FAILED, null, files.shown(message)));
    }
  }

  private void crashed(Error e) {
    if (stop.fenced()) {
      return;
    }
    JobStore.CrashOutcome outcome =
        ctx.store().crashed(claim, files.shown(describe(e)), ctx.properties().worker().maxAttempts());
    if (outcome == JobStore.CrashOutcome.FAILED) {
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

  private void event(String type, String message, String dataJson) {
    lease.requireHeld();
    lease.requireHeld(ctx.store().event(claim, type, message, dataJson));
  }

  @Override
  public void event(String type, String message) {
    event(type, message, (String) null);
  }

  @Override
  public void plan(CleansePlan plan) {
    lease.requireHeld();
    lease.requireHeld(ctx.store().plan(claim, ctx.json().write(plan.settings().toOptions()),
        ctx.json().write(JobJson.withoutSettings(plan.describe()))));
    event(JobStore.INFO, "memory plan: " + plan.memory().verdict()
        + (plan.fitted() ? " (memory settings fitted)" : ""));
  }

  /** A cleanse's scan before cleansing: on the job (its {@code scan}) as soon as it is known. */
  @Override
  public void scanned(ScanSummary scan) {
    lease.requireHeld();
    lease.requireHeld(ctx.store().scanResult(claim, ctx.json().write(scan.toMap())));
  }

  @Override
  public void baseline(EvalMetrics before) {
    lease.requireHeld();
    baselineSeen = true;
    lease.requireHeld(ctx.store().baseline(claim, before));
    event(JobStore.BASELINE, "before: " + RunMessages.summary(before), ctx.json().write(before));
  }

  /** One budget of a scan's sweep: the job's progress, and a line in its log. */
  @Override
  public void budget(String model, BehaviourFamily family, BudgetRow row, double progress) {
    lease.requireHeld();
    double elapsed = (System.nanoTime() - startedNanos) / 1e9;
    // budgets cost alike within a sweep; this run's pace so far is the estimate (a resumed scan starts over)
    Double eta = progress > 0 ? elapsed * (1 - progress) / progress : null;
    lease.requireHeld(ctx.store().progress(claim, progress, eta));
    event("budget", String.format(Locale.ROOT, "%s %s budget %.3f: perturbation ASR %.1f%%, compliance %.1f%% "
        + "(%.1f s)", model, family.id(), row.budget(), 100 * row.perturbationAsr(), 100 * row.complianceRate(),
        row.seconds()));
  }

  @Override
  public void step(String phase, double seconds) {
    lease.requireHeld();
    ctx.metrics().step(phase, seconds);
  }

  @Override
  public void epoch(EpochRecord epoch, double progress) {
    lease.requireHeld();
    epochsThisRun++;
    epochSecondsThisRun += epoch.seconds();
    Double eta = maxEpochs > epoch.epoch()
        ? epochSecondsThisRun / epochsThisRun * (maxEpochs - epoch.epoch()) : Double.valueOf(0);
    record(epoch, progress, eta);
  }

  /** Epochs a resumed run found in its checkpoint: any the job store lacks (a crash came first) are recorded now. */
  @Override
  public void resumed(List<EpochRecord> epochs) {
    lease.requireHeld();
    for (EpochRecord epoch : epochs) {
      record(epoch, epoch.epoch() / (double) Math.max(1, maxEpochs), null);
    }
  }

  private void record(EpochRecord epoch, double progress, Double eta) {
    JobStore.EpochWrite written = ctx.store().epoch(claim, epoch, progress, eta);
    lease.requireHeld(written != JobStore.EpochWrite.NOT_HELD);
    if (written == JobStore.EpochWrite.ALREADY_RECORDED) {
      return;
    }
    String message = String.format(Locale.ROOT, "epoch %d/%d: %s; losses entrapment %s, removal %s, anchor %s (%.1fs)",
        epoch.epoch(), maxEpochs, RunMessages.summary(epoch.metrics()), RunMessages.loss(epoch.entrapmentLoss()),
        RunMessages.loss(epoch.removalSafeLoss()), RunMessages.loss(epoch.removalAnchorLoss()), epoch.seconds());
    event(JobStore.EPOCH, message, ctx.json().write(RunMessages.EpochEvent.of(epoch, progress, claim)));
    ctx.metrics().epoch(epoch);
  }

  /**
   * Publishing a checkpoint or the cleansed model needs the lease, confirmed now (and extended): a worker whose
   * lease was taken over must not rename anything into the directories its successor uses.
   */
  @Override
  public void beforeCommit(String what) {
    lease.confirm();
  }

  @Override
  public boolean cancelRequested() {
    return lease.stopRequested();
  }
}
