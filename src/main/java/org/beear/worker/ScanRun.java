package org.beear.worker;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.beear.beear.data.BehaviourFamily;
import org.beear.beear.scan.BudgetRow;
import org.beear.beear.scan.ScanListener;
import org.beear.beear.scan.ScanReport;
import org.beear.beear.scan.ScanRequest;
import org.beear.beear.scan.ScanResult;
import org.beear.beear.settings.ScanSettings;
import org.beear.job.Job;
import org.beear.job.JobStore;
import org.beear.net.UriRedaction;
import org.beear.policy.PolicyOutcome;
import org.beear.policy.MeasuredInputs;
import org.beear.source.FetchedModel;

/**
 * The run of a scan job: the suspect (and the reference, if any) fetched like a cleanse's model, the budgets of the
 * sweep as the job's progress and log, and the engine's verdict kept on the job as the API shows it (model and
 * reference by their redacted URIs, not the worker's directories).
 */
final class ScanRun extends JobRun implements ScanListener {

  private final long startedNanos = System.nanoTime();

  ScanRun(JobStore.Claim claim, WorkerContext ctx) {
    super(claim, ctx);
  }

  @Override
  protected void execute(Job job) throws IOException {
    FetchedModel model = fetched(files.model(job));
    writes.provenance(model.revision(), ctx.json().write(RunProvenance.of(job, model, null, null)));
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
    PolicyOutcome outcome = checkPolicy(job, MeasuredInputs.of(result));
    if (outcome != null) { // the scan's report is its result: it carries the policy as scan.json does
      shown.put("policy", policy(job).toMap());
      shown.put("policy_outcome", outcome.toMap());
    }
    writes.scanResult(ctx.json().write(shown));
    event(JobStore.INFO, String.format(Locale.ROOT, "scan: %s (score %s)", result.verdict().words(),
        result.score() == null ? "n/a" : String.format(Locale.ROOT, "%.2f", result.score())));
    if (succeed(null)) { // once per job, as a cleanse's ASR
      ctx.metrics().scanned(result.verdict());
    }
  }

  /** One budget of the sweep: the job's progress, and a line in its log. */
  @Override
  public void budget(String model, BehaviourFamily family, BudgetRow row, double progress) {
    double elapsed = (System.nanoTime() - startedNanos) / 1e9;
    // budgets cost alike within a sweep; this run's pace so far is the estimate (a resumed scan starts over)
    Double eta = progress > 0 ? elapsed * (1 - progress) / progress : null;
    writes.progress(progress, eta);
    event("budget", String.format(Locale.ROOT, "%s %s budget %.3f: perturbation ASR %.1f%%, compliance %.1f%% "
        + "(%.1f s)", model, family.id(), row.budget(), 100 * row.perturbationAsr(), 100 * row.complianceRate(),
        row.seconds()));
  }
}
