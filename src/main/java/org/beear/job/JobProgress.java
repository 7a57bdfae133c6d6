package org.beear.job;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.beear.beear.EpochRecord;
import org.beear.beear.EvalMetrics;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * What a worker writes while it holds a job: heartbeats, the baseline, epochs, the model checksum. Every write is
 * fenced on (job, worker, running), so a worker that lost its lease cannot overwrite its successor's progress.
 */
@Component
public class JobProgress {

  private static final String HELD = "id = ? AND worker_id = ? AND status = 'running'";

  private final JdbcTemplate jdbc;
  private final JobJson json;

  public JobProgress(JdbcTemplate jdbc, JobJson json) {
    this.jdbc = jdbc;
    this.json = json;
  }

  /**
   * Extends the lease. Returns whether a cancel was requested, or empty when this worker no longer holds the job.
   */
  public Optional<Boolean> heartbeat(UUID jobId, String workerId, Duration lease) {
    List<Boolean> rows = jdbc.query(
        "UPDATE jobs SET lease_expires_at = now() + make_interval(secs => ?) WHERE " + HELD
            + " RETURNING cancel_requested",
        (rs, i) -> rs.getBoolean(1), lease.toMillis() / 1000.0, jobId, workerId);
    return rows.stream().findFirst();
  }

  /** The cancel flag without touching the lease; empty when this worker no longer holds the job. */
  public Optional<Boolean> cancelRequested(UUID jobId, String workerId) {
    return jdbc.query("SELECT cancel_requested FROM jobs WHERE " + HELD, (rs, i) -> rs.getBoolean(1),
        jobId, workerId).stream().findFirst();
  }

  public void baseline(UUID jobId, String workerId, EvalMetrics before) {
    jdbc.update("UPDATE jobs SET metrics_before = ?::jsonb WHERE " + HELD, json.write(before), jobId, workerId);
  }

  /** The settings the worker resolved (and maybe fitted) for the model it loads, with their memory plan. */
  public void plan(UUID jobId, String workerId, String settingsJson, String memoryPlanJson) {
    jdbc.update("UPDATE jobs SET settings = ?::jsonb, memory_plan = ?::jsonb WHERE " + HELD, settingsJson,
        memoryPlanJson, jobId, workerId);
  }

  public void modelChecksum(UUID jobId, String workerId, String sha256) {
    jdbc.update("UPDATE jobs SET model_sha256 = ? WHERE " + HELD, sha256, jobId, workerId);
  }

  /** Stores an epoch (replacing a row from an earlier attempt of the same epoch) and the job's progress. */
  @Transactional
  public boolean epoch(UUID jobId, String workerId, int attempt, EpochRecord epoch, double progress,
      Double etaSeconds) {
    EvalMetrics m = epoch.metrics() != null ? epoch.metrics()
        : new EvalMetrics(null, null, null, null, null, null, null);
    int n = jdbc.update("""
        INSERT INTO job_epochs (job_id, epoch, attempt, entrapment_loss, removal_safe_loss, removal_anchor_loss,
               asr_triggered, asr_no_trigger, asr_perturbation, benign_exact_match, anchor_perplexity,
               insecure_code_rate, secure_code_rate, seconds)
        SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM jobs WHERE\s""" + HELD + """
        )
        ON CONFLICT (job_id, epoch) DO UPDATE SET attempt = excluded.attempt,
               entrapment_loss = excluded.entrapment_loss, removal_safe_loss = excluded.removal_safe_loss,
               removal_anchor_loss = excluded.removal_anchor_loss, asr_triggered = excluded.asr_triggered,
               asr_no_trigger = excluded.asr_no_trigger, asr_perturbation = excluded.asr_perturbation,
               benign_exact_match = excluded.benign_exact_match, anchor_perplexity = excluded.anchor_perplexity,
               insecure_code_rate = excluded.insecure_code_rate, secure_code_rate = excluded.secure_code_rate,
               seconds = excluded.seconds,
               recorded_at = now()""",
        jobId, epoch.epoch(), attempt, finite(epoch.entrapmentLoss()), finite(epoch.removalSafeLoss()),
        finite(epoch.removalAnchorLoss()), m.asrTriggered(), m.asrNoTrigger(), m.asrPerturbation(),
        m.benignExactMatch(), m.anchorPerplexity(), m.insecureCodeRate(), m.secureCodeRate(), epoch.seconds(),
        jobId, workerId);
    if (n == 0) {
      return false;
    }
    jdbc.update("UPDATE jobs SET current_epoch = ?, progress = ?, eta_seconds = ? WHERE " + HELD,
        epoch.epoch(), Math.max(0, Math.min(1, progress)), etaSeconds, jobId, workerId);
    return true;
  }

  /** NaN losses (a diverged step) are stored as "unknown" rather than poisoning the report. */
  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
