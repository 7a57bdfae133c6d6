package org.beear.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.beear.attest.Attestations;
import org.beear.beear.CleanseListener;
import org.beear.beear.CleansePlan;
import org.beear.beear.CleanseRequest;
import org.beear.beear.CleanseResult;
import org.beear.beear.Provenance;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.loop.CleanseCancelledException;
import org.beear.beear.loop.EpochRecord;
import org.beear.beear.scan.ScanSummary;
import org.beear.beear.settings.BeearOptions;
import org.beear.job.ClaimWriter;
import org.beear.job.Job;
import org.beear.job.JobJson;
import org.beear.job.JobStore;
import org.beear.net.FetchCancelledException;
import org.beear.policy.PolicyOutcome;
import org.beear.policy.ReportAmendment;
import org.beear.policy.MeasuredInputs;
import org.beear.source.FetchedModel;

/**
 * The run of a cleanse job: fetches the model and data, runs BEEAR's loop, publishes the cleansed model and turns
 * the engine's callbacks into the job's plan, baseline, epoch rows, progress, events and metrics, each written
 * through the run's claim-bound writer.
 */
final class CleanseRun extends JobRun implements CleanseListener {

  private boolean baselineSeen;
  private int maxEpochs;
  private int epochsThisRun;
  private double epochSecondsThisRun;

  CleanseRun(JobStore.Claim claim, WorkerContext ctx) {
    super(claim, ctx);
  }

  /** The engine's cleansed model published, its after-metrics (and scan, if it ran one) on the job. */
  @Override
  protected void execute(Job job) throws IOException {
    maxEpochs = job.getMaxEpochs();
    CleanseResult result = ctx.engine().cleanse(request(job), this);
    lease.requireHeld();
    // report.json and the attestation carry the outcome too: added before an s3:// output goes up
    PolicyOutcome outcome = checkPolicy(job, MeasuredInputs.of(result));
    if (outcome != null) {
      ReportAmendment.add(result.reportFile(), policy(job), outcome);
    }
    attest(result, outcome);
    publish(job);
    if (result.provenance() != null) { // now with the digests of the published output
      writes.provenance(null, ctx.json().write(result.provenance()));
    }
    if (!baselineSeen && result.before() != null) {
      baseline(result.before());
    }
    event(JobStore.INFO, "after: " + RunMessages.summary(result.after())
        + (result.earlyStopped() ? " (stopped early: target ASR reached)" : ""), ctx.json().write(result.after()));
    if (succeed(ctx.json().write(result.after()))) { // once per job, as the job's outcome
      ctx.metrics().asrAfter(result.after());
      if (result.scan() != null) {
        ctx.metrics().scanned(result.scan().verdict());
      }
    }
  }

  /**
   * Signs the cleansed model's attestation with the service's key and writes it beside the model, into the local
   * output (an {@code s3://} output's staging directory, uploaded with the model). Its subjects are the files the
   * engine wrote, by the digests it computed before publishing them.
   */
  /** Signs the cleansed model's files with what produced them and the policy's outcome (null without a policy). */
  private void attest(CleanseResult result, PolicyOutcome outcome) {
    if (result.predicate() == null || result.provenance() == null) {
      event(JobStore.INFO, "the engine recorded no predicate: the cleansed model is not attested");
      return;
    }
    Attestations.write(result.outputDir(), result.provenance().outputs(),
        outcome == null ? result.predicate() : result.predicate().withPolicy(outcome.toMap()),
        ctx.attestationKey().key());
  }

  private CleanseRequest request(Job job) throws IOException {
    FetchedModel model = fetched(files.model(job));
    Path defenderData = files.defenderData(job);
    Path anchoringData = files.anchoringData(job);
    Provenance provenance = RunProvenance.of(job, model, defenderData, anchoringData);
    writes.provenance(model.revision(), ctx.json().write(provenance));
    ctx.engine().validateModel(model.directory());
    Path workDir = ctx.properties().workDir(claim.jobId().toString()).toAbsolutePath();
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

  @Override
  public void plan(CleansePlan plan) {
    writes.plan(ctx.json().write(plan.settings().toOptions()),
        ctx.json().write(JobJson.withoutSettings(plan.describe())));
    event(JobStore.INFO, "memory plan: " + plan.memory().verdict()
        + (plan.fitted() ? " (memory settings fitted)" : ""));
  }

  /** The scan before cleansing: on the job (its {@code scan}) as soon as it is known. */
  @Override
  public void scanned(ScanSummary scan) {
    writes.scanResult(ctx.json().write(scan.toMap()));
  }

  @Override
  public void baseline(EvalMetrics before) {
    writes.baseline(before);
    baselineSeen = true;
    event(JobStore.BASELINE, "before: " + RunMessages.summary(before), ctx.json().write(before));
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
    if (writes.epoch(epoch, progress, eta) == ClaimWriter.EpochWrite.ALREADY_RECORDED) {
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
}
