package org.beear.job;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.loop.EpochRecord;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Every write to {@code jobs}, {@code job_epochs} and {@code job_events}, in one place. Reads go through the JPA
 * repositories; nothing else writes.
 *
 * <p>A worker's writes are fenced on its {@link Claim}: the job id, the worker id and the claim number
 * ({@code attempts}, incremented by every claim) must all still match a running job, so a worker whose lease was
 * taken over changes nothing, not even the event log, whatever it still tries. Times come from the injected
 * {@link Clock}, so lease expiry can be tested without waiting for it.
 */
@Component
public class JobStore {

  /** Event types written by the service itself; the engine adds its own. */
  public static final String STATUS = "status";
  public static final String BASELINE = "baseline";
  public static final String EPOCH = "epoch";
  public static final String ERROR = "error";
  public static final String INFO = "info";

  /**
   * A job this worker holds: the fencing token of every write the worker makes for it.
   *
   * @param attempt the claim number; a later claim of the same job (by any worker) has a higher one
   */
  public record Claim(UUID jobId, String workerId, int attempt) {}

  /** What became of an epoch's record: stored now, stored before (by an earlier run), or refused (not held). */
  public enum EpochWrite { RECORDED, ALREADY_RECORDED, NOT_HELD }

  /** Where a crashed run's job went: back to the queue to resume, or failed for good. */
  public enum CrashOutcome { REQUEUED, FAILED, NOT_HELD }

  private static final String HELD = "id = ? AND worker_id = ? AND attempts = ? AND status = 'running'";
  /** What an UPDATE that ends running jobs returns, for their outcome metrics. */
  private static final String ENDED_COLUMNS = "id, started_at";
  private static final RowMapper<Ended> ENDED =
      (rs, i) -> new Ended(rs.getObject("id", UUID.class), rs.getTimestamp("started_at"));

  private final JdbcTemplate jdbc;
  private final JobJson json;
  private final JobMetrics metrics;
  private final Clock clock;

  public JobStore(JdbcTemplate jdbc, JobJson json, JobMetrics metrics, Clock clock) {
    this.jdbc = jdbc;
    this.json = json;
    this.metrics = metrics;
    this.clock = clock;
  }

  public Instant now() {
    return clock.instant();
  }

  // ---- submission and the API ----

  /**
   * Inserts a new queued job with its first event. Run it inside the caller's transaction (admission holds a lock
   * there); the unique indexes on idempotency key and active output location decide races between submissions.
   */
  public void insertQueued(Job job) {
    jdbc.update("""
        INSERT INTO jobs (id, tenant, kind, status, model_uri, model_uri_sealed, output_uri, reference_uri,
               reference_uri_sealed, defender_data_uri, anchoring_data_uri, options, triggers, max_epochs,
               idempotency_key, request_fingerprint, created_at, settings, memory_plan)
        VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?::jsonb, ?::jsonb)""",
        job.getId(), job.getTenant(), job.getKind().wireName(), job.getModelUri(), job.getModelUriSealed(),
        job.getOutputUri(), job.getReferenceUri(), job.getReferenceUriSealed(),
        job.getDefenderDataUri(), job.getAnchoringDataUri(), job.getOptions(), job.getTriggers(),
        job.getMaxEpochs(), job.getIdempotencyKey(), job.getRequestFingerprint(), ts(job.getCreatedAt()),
        job.getSettings(), job.getMemoryPlan());
    append(job.getId(), STATUS, "queued", statusData(JobStatus.QUEUED));
  }

  /** Counts the job inserted by {@link #insertQueued}, once its transaction committed. */
  public void queuedCommitted() {
    metrics.jobEntered(JobStatus.QUEUED);
  }

  /** Frees an expired idempotency key for a new job; the job it named keeps everything else. */
  public void releaseIdempotencyKey(UUID jobId) {
    jdbc.update("UPDATE jobs SET idempotency_key = NULL WHERE id = ?", jobId);
  }

  /** Cancels a job that no worker has claimed yet. False if it was not queued any more. */
  @Transactional
  public boolean cancelQueued(UUID jobId) {
    legal(JobStatus.QUEUED, JobStatus.CANCELLED);
    int n = jdbc.update("""
        UPDATE jobs SET status = 'cancelled', cancel_requested = true, finished_at = ?
         WHERE id = ? AND status = 'queued'""", ts(now()), jobId);
    if (n == 1) {
      entered(jobId, JobStatus.CANCELLED, "cancelled before it started");
    }
    return n == 1;
  }

  /** Flags a running job; its worker stops within one step. True while the job is running (flagged before or now). */
  @Transactional
  public boolean requestCancel(UUID jobId) {
    int n = jdbc.update("""
        UPDATE jobs SET cancel_requested = true WHERE id = ? AND status = 'running' AND NOT cancel_requested""",
        jobId);
    if (n == 1) {
      append(jobId, INFO, "cancel requested; the job stops after its current step", null);
    }
    return n == 1 || jdbc.queryForObject(
        "SELECT count(*) FROM jobs WHERE id = ? AND status = 'running'", Long.class, jobId) == 1;
  }

  // ---- the worker's claim ----

  /** Takes the oldest queued job, if any, in one statement; concurrent claimers never get the same job. */
  @Transactional
  public Optional<Claim> claimNext(String workerId, Duration lease) {
    legal(JobStatus.QUEUED, JobStatus.RUNNING);
    Instant now = now();
    List<Claim> claimed = jdbc.query("""
        UPDATE jobs SET status = 'running', worker_id = ?, lease_expires_at = ?, attempts = attempts + 1,
               started_at = coalesce(started_at, ?)
         WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at, id
                     FOR UPDATE SKIP LOCKED LIMIT 1)
           AND status = 'queued'
        RETURNING id, attempts""",
        (rs, i) -> new Claim(rs.getObject("id", UUID.class), workerId, rs.getInt("attempts")),
        workerId, ts(now.plus(lease)), ts(now));
    claimed.forEach(c -> entered(c.jobId(), JobStatus.RUNNING,
        "running on worker " + workerId + " (attempt " + c.attempt() + ")"));
    return claimed.stream().findFirst();
  }

  /** Extends the lease. Returns whether a cancel was requested, or empty when the claim no longer holds the job. */
  public Optional<Boolean> heartbeat(Claim claim, Duration lease) {
    return jdbc.query("UPDATE jobs SET lease_expires_at = ? WHERE " + HELD + " RETURNING cancel_requested",
        (rs, i) -> rs.getBoolean(1), ts(now().plus(lease)), claim.jobId(), claim.workerId(), claim.attempt())
        .stream().findFirst();
  }

  /** The cancel flag without touching the lease; empty when the claim no longer holds the job. */
  public Optional<Boolean> cancelRequested(Claim claim) {
    return jdbc.query("SELECT cancel_requested FROM jobs WHERE " + HELD, (rs, i) -> rs.getBoolean(1),
        claim.jobId(), claim.workerId(), claim.attempt()).stream().findFirst();
  }

  /** Appends an event of a held job; false (and nothing written) when the claim no longer holds it. */
  public boolean event(Claim claim, String type, String message, String dataJson) {
    return jdbc.update("INSERT INTO job_events (job_id, type, message, data) SELECT ?, ?, ?, ?::jsonb"
        + " WHERE EXISTS (SELECT 1 FROM jobs WHERE " + HELD + ")", claim.jobId(), type, message, dataJson,
        claim.jobId(), claim.workerId(), claim.attempt()) == 1;
  }

  public boolean baseline(Claim claim, EvalMetrics before) {
    return held(jdbc.update("UPDATE jobs SET metrics_before = ?::jsonb WHERE " + HELD, json.write(before),
        claim.jobId(), claim.workerId(), claim.attempt()));
  }

  /**
   * The progress (0..1) of a job without epochs (a scan) and its estimated seconds left (null: unknown). Never moves
   * the progress back.
   */
  public boolean progress(Claim claim, double progress, Double etaSeconds) {
    return held(jdbc.update("UPDATE jobs SET progress = greatest(progress, ?), eta_seconds = ? WHERE " + HELD,
        Math.max(0, Math.min(1, progress)), etaSeconds, claim.jobId(), claim.workerId(), claim.attempt()));
  }

  /** What a scan found, as the API shows it; written by the run just before it finishes the job. */
  public boolean scanResult(Claim claim, String scanResultJson) {
    return held(jdbc.update("UPDATE jobs SET scan_result = ?::jsonb WHERE " + HELD, scanResultJson,
        claim.jobId(), claim.workerId(), claim.attempt()));
  }

  /** The settings the worker resolved (and maybe fitted) for the model it loads, with their memory plan. */
  public boolean plan(Claim claim, String settingsJson, String memoryPlanJson) {
    return held(jdbc.update("UPDATE jobs SET settings = ?::jsonb, memory_plan = ?::jsonb WHERE " + HELD,
        settingsJson, memoryPlanJson, claim.jobId(), claim.workerId(), claim.attempt()));
  }

  public boolean modelChecksum(Claim claim, String sha256) {
    return held(jdbc.update("UPDATE jobs SET model_sha256 = ? WHERE " + HELD, sha256, claim.jobId(),
        claim.workerId(), claim.attempt()));
  }

  /**
   * The job's provenance (source, input and output digests) as the run knows it so far, and the commit a
   * {@code hf://} revision resolved to (null keeps what is stored).
   */
  public boolean provenance(Claim claim, String modelRevision, String provenanceJson) {
    return held(jdbc.update("UPDATE jobs SET model_revision = coalesce(?, model_revision), provenance = ?::jsonb"
        + " WHERE " + HELD, modelRevision, provenanceJson, claim.jobId(), claim.workerId(), claim.attempt()));
  }

  /**
   * Records an epoch once: the first record of an epoch stands, so a run that repeats an epoch (it crashed after
   * recording it but before its checkpoint) or re-reports one from its checkpoint adds no second row or event.
   * The job's progress is updated either way.
   */
  @Transactional
  public EpochWrite epoch(Claim claim, EpochRecord epoch, double progress, Double etaSeconds) {
    EvalMetrics m = epoch.metrics() != null ? epoch.metrics() : EvalMetrics.NONE;
    int n = jdbc.update("""
        INSERT INTO job_epochs (job_id, epoch, attempt, entrapment_loss, removal_safe_loss, removal_anchor_loss,
               asr_triggered, asr_no_trigger, asr_perturbation, benign_exact_match, anchor_perplexity,
               insecure_code_rate, secure_code_rate, seconds, recorded_at)
        SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM jobs WHERE\s""" + HELD + """
        )
        ON CONFLICT (job_id, epoch) DO NOTHING""",
        claim.jobId(), epoch.epoch(), claim.attempt(), finite(epoch.entrapmentLoss()),
        finite(epoch.removalSafeLoss()), finite(epoch.removalAnchorLoss()), m.asrTriggered(), m.asrNoTrigger(),
        m.asrPerturbation(), m.benignExactMatch(), m.anchorPerplexity(), m.insecureCodeRate(),
        m.secureCodeRate(), epoch.seconds(), ts(now()), claim.jobId(), claim.workerId(), claim.attempt());
    int held = jdbc.update("""
        UPDATE jobs SET current_epoch = greatest(current_epoch, ?), progress = greatest(progress, ?),
               eta_seconds = ? WHERE\s""" + HELD,
        epoch.epoch(), Math.max(0, Math.min(1, progress)), etaSeconds, claim.jobId(), claim.workerId(),
        claim.attempt());
    if (held == 0) {
      return EpochWrite.NOT_HELD;
    }
    return n == 1 ? EpochWrite.RECORDED : EpochWrite.ALREADY_RECORDED;
  }

  /**
   * Ends a held run. For success pass the after-metrics JSON; for failure the error message (also logged as an
   * {@code error} event). False if the claim no longer holds the job, in which case nothing changed.
   */
  @Transactional
  public boolean finish(Claim claim, JobStatus outcome, String metricsAfterJson, String error) {
    legal(JobStatus.RUNNING, outcome);
    Timestamp now = ts(now());
    List<Ended> ended = jdbc.query("""
        UPDATE jobs SET status = ?, finished_at = ?, lease_expires_at = NULL, error = ?,
               metrics_after = coalesce(?::jsonb, metrics_after),
               progress = CASE WHEN ? = 'succeeded' THEN 1 ELSE progress END,
               eta_seconds = CASE WHEN ? = 'succeeded' THEN 0 ELSE NULL END
         WHERE\s""" + HELD + " RETURNING " + ENDED_COLUMNS, ENDED,
        outcome.wireName(), now, error, metricsAfterJson, outcome.wireName(), outcome.wireName(),
        claim.jobId(), claim.workerId(), claim.attempt());
    if (ended.size() == 1) {
      if (outcome == JobStatus.FAILED) {
        append(claim.jobId(), ERROR, error, null);
      }
      ended(ended.get(0), outcome, now, switch (outcome) {
        case SUCCEEDED -> "succeeded";
        case CANCELLED -> "cancelled while running";
        default -> "failed: " + error;
      });
    }
    return ended.size() == 1;
  }

  /**
   * Puts a held job back in the queue because its worker is shutting down; it resumes from its checkpoint. A
   * graceful release is not a crash: it does not use up one of the job's attempts.
   */
  @Transactional
  public boolean release(Claim claim, String reason) {
    legal(JobStatus.RUNNING, JobStatus.QUEUED);
    int n = jdbc.update("UPDATE jobs SET status = 'queued', worker_id = NULL, lease_expires_at = NULL WHERE " + HELD,
        claim.jobId(), claim.workerId(), claim.attempt());
    if (n == 1) {
      entered(claim.jobId(), JobStatus.QUEUED, "re-queued: " + reason);
    }
    return n == 1;
  }

  /**
   * A held run died of an error that is not the job's verdict (an {@link Error} such as running out of memory):
   * counted as a crash, like a lost lease. The job goes back to the queue while it has crashes left, else fails.
   */
  @Transactional
  public CrashOutcome crashed(Claim claim, String error, int maxCrashes) {
    Integer crashes = jdbc.query("UPDATE jobs SET crashes = crashes + 1 WHERE " + HELD + " RETURNING crashes",
        (rs, i) -> rs.getInt(1), claim.jobId(), claim.workerId(), claim.attempt()).stream().findFirst().orElse(null);
    if (crashes == null) {
      return CrashOutcome.NOT_HELD;
    }
    if (crashes >= maxCrashes) { // finish logs the error event, with the cause
      finish(claim, JobStatus.FAILED, null, "crashed " + crashes + " times; last: " + error);
      return CrashOutcome.FAILED;
    }
    append(claim.jobId(), ERROR, "run crashed (" + crashes + " of " + maxCrashes + " crashes allowed): " + error,
        null);
    release(claim, "the run crashed; the next run resumes from the last checkpoint");
    return CrashOutcome.REQUEUED;
  }

  /**
   * Deals with running jobs whose worker stopped heart-beating: a cancelled one ends cancelled, one with crashes
   * left goes back to the queue (its next run resumes from the checkpoint), the rest fail. Each lost lease counts
   * as a crash.
   *
   * @return how many jobs were changed
   */
  @Transactional
  public int reapExpiredLeases(int maxCrashes) {
    return reap("lease_expires_at < ?", ts(now()), "the worker's lease expired", maxCrashes);
  }

  /**
   * Deals, like {@link #reapExpiredLeases}, with the running jobs of a replica's previous incarnation: a replica
   * with a stable id that starts knows that its earlier process died, so its jobs need not wait for their leases.
   *
   * @return how many jobs were changed
   */
  @Transactional
  public int recoverAbandoned(String replicaId, int maxCrashes) {
    String prefix = replicaId.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "-%";
    return reap("worker_id LIKE ?", prefix, "replica " + replicaId + " restarted", maxCrashes);
  }

  private int reap(String lost, Object arg, String why, int maxCrashes) {
    legal(JobStatus.RUNNING, JobStatus.QUEUED);
    Timestamp now = ts(now());
    List<Ended> cancelled = jdbc.query("""
        UPDATE jobs SET status = 'cancelled', finished_at = ?, lease_expires_at = NULL
         WHERE status = 'running' AND cancel_requested AND\s""" + lost + " RETURNING " + ENDED_COLUMNS, ENDED,
        now, arg);
    cancelled.forEach(job -> ended(job, JobStatus.CANCELLED, now, "cancelled; its worker stopped responding"));
    List<Ended> failed = jdbc.query("""
        UPDATE jobs SET status = 'failed', finished_at = ?, lease_expires_at = NULL, crashes = crashes + 1,
               error = 'worker lost ' || (crashes + 1) || ' times; giving up after max attempts (last: ' || ? || ')'
         WHERE status = 'running' AND crashes + 1 >= ? AND\s""" + lost + " RETURNING " + ENDED_COLUMNS, ENDED,
        now, why, maxCrashes, arg);
    failed.forEach(job -> ended(job, JobStatus.FAILED, now, "failed: worker lost and no attempts left"));
    List<UUID> requeued = ids("""
        UPDATE jobs SET status = 'queued', worker_id = NULL, lease_expires_at = NULL, crashes = crashes + 1
         WHERE status = 'running' AND\s""" + lost + " RETURNING id", arg);
    requeued.forEach(id -> entered(id, JobStatus.QUEUED,
        "re-queued: " + why + "; the next run resumes from the last checkpoint"));
    return cancelled.size() + failed.size() + requeued.size();
  }

  private List<UUID> ids(String sql, Object... args) {
    return jdbc.query(sql, (rs, i) -> rs.getObject("id", UUID.class), args);
  }

  private void entered(UUID jobId, JobStatus status, String message) {
    append(jobId, STATUS, message, statusData(status));
    metrics.jobEntered(status);
  }

  /** A job that ran reached its outcome: counted, and timed from when a worker first started it. */
  private void ended(Ended job, JobStatus outcome, Timestamp finishedAt, String message) {
    entered(job.id(), outcome, message);
    if (job.startedAt() != null) {
      metrics.jobEnded(outcome, Duration.between(job.startedAt().toInstant(), finishedAt.toInstant()));
    }
  }

  /** A running job that an UPDATE just ended: its id and when it first started (RETURNING {@link #ENDED_COLUMNS}). */
  private record Ended(UUID id, Timestamp startedAt) {}

  private void append(UUID jobId, String type, String message, String dataJson) {
    jdbc.update("INSERT INTO job_events (job_id, type, message, data) VALUES (?, ?, ?, ?::jsonb)",
        jobId, type, message, dataJson);
  }

  private static String statusData(JobStatus status) {
    return "{\"status\":\"" + status.wireName() + "\"}";
  }

  private static boolean held(int updated) {
    return updated == 1;
  }

  private static void legal(JobStatus from, JobStatus to) {
    if (!from.canTransitionTo(to)) {
      throw new IllegalStateException("illegal job transition " + from.wireName() + " -> " + to.wireName());
    }
  }

  private static Timestamp ts(Instant instant) {
    return instant == null ? null : Timestamp.from(instant);
  }

  /** NaN losses (a diverged step) are stored as "unknown" rather than poisoning the report. */
  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
