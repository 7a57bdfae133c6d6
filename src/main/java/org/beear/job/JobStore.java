package org.beear.job;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Every write to {@code jobs}, {@code job_epochs} and {@code job_events}, in one place: here, and in the
 * {@link ClaimWriter} it hands a worker for the job it claimed. Reads go through the JPA repositories; nothing else
 * writes.
 *
 * <p>A worker's writes go through the {@link ClaimWriter} this store hands out for its {@link Claim}, which fences
 * each on the claim: the job id, the worker id and the claim number ({@code attempts}, incremented by every claim)
 * must all still match a running job, so a worker whose lease was taken over changes nothing, not even the event
 * log, whatever it still tries. Times come from the injected {@link Clock}, so lease expiry can be tested without
 * waiting for it.
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
   * @param kind    what the job does, which chooses the run that computes it (not part of the fence)
   * @param attempt the claim number; a later claim of the same job (by any worker) has a higher one
   */
  public record Claim(UUID jobId, JobKind kind, String workerId, int attempt) {}

  /** What an UPDATE that ends running jobs returns, for their outcome metrics. */
  static final String ENDED_COLUMNS = "id, started_at";
  static final RowMapper<Ended> ENDED =
      (rs, i) -> new Ended(rs.getObject("id", UUID.class), rs.getTimestamp("started_at"));

  private final JdbcTemplate jdbc;
  private final JobJson json;
  private final JobMetrics metrics;
  private final Clock clock;
  private final TransactionTemplate tx;

  public JobStore(JdbcTemplate jdbc, JobJson json, JobMetrics metrics, Clock clock, TransactionTemplate tx) {
    this.jdbc = jdbc;
    this.json = json;
    this.metrics = metrics;
    this.clock = clock;
    this.tx = tx;
  }

  public Instant now() {
    return clock.instant();
  }

  JobJson json() {
    return json;
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
               idempotency_key, request_fingerprint, created_at, settings, memory_plan, policy)
        VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb)""",
        job.getId(), job.getTenant(), job.getKind().wireName(), job.getModelUri(), job.getModelUriSealed(),
        job.getOutputUri(), job.getReferenceUri(), job.getReferenceUriSealed(),
        job.getDefenderDataUri(), job.getAnchoringDataUri(), job.getOptions(), job.getTriggers(),
        job.getMaxEpochs(), job.getIdempotencyKey(), job.getRequestFingerprint(), ts(job.getCreatedAt()),
        job.getSettings(), job.getMemoryPlan(), job.getPolicy());
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
        RETURNING id, kind, attempts""",
        (rs, i) -> new Claim(rs.getObject("id", UUID.class), JobKind.fromWireName(rs.getString("kind")), workerId,
            rs.getInt("attempts")),
        workerId, ts(now.plus(lease)), ts(now));
    claimed.forEach(c -> entered(c.jobId(), JobStatus.RUNNING,
        "running on worker " + workerId + " (attempt " + c.attempt() + ")"));
    return claimed.stream().findFirst();
  }

  /**
   * The writer of the run that holds {@code claim}: every write it makes is fenced on the claim, and one the store
   * refuses (another claim holds the job now) throws what {@code holder} says; see {@link ClaimWriter}.
   */
  public ClaimWriter claimed(Claim claim, ClaimWriter.Holder holder) {
    return new ClaimWriter(this, jdbc, tx, claim, holder);
  }

  /** {@link #claimed(Claim, ClaimWriter.Holder)} throwing {@link ClaimLostException} for a refused write. */
  public ClaimWriter claimed(Claim claim) {
    return claimed(claim, ClaimWriter.UNGUARDED);
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

  void entered(UUID jobId, JobStatus status, String message) {
    append(jobId, STATUS, message, statusData(status));
    metrics.jobEntered(status);
  }

  /** A job that ran reached its outcome: counted, and timed from when a worker first started it. */
  void ended(Ended job, JobStatus outcome, Timestamp finishedAt, String message) {
    entered(job.id(), outcome, message);
    if (job.startedAt() != null) {
      metrics.jobEnded(outcome, Duration.between(job.startedAt().toInstant(), finishedAt.toInstant()));
    }
  }

  /** A running job that an UPDATE just ended: its id and when it first started (RETURNING {@link #ENDED_COLUMNS}). */
  record Ended(UUID id, Timestamp startedAt) {}

  void append(UUID jobId, String type, String message, String dataJson) {
    jdbc.update("INSERT INTO job_events (job_id, type, message, data) VALUES (?, ?, ?, ?::jsonb)",
        jobId, type, message, dataJson);
  }

  private static String statusData(JobStatus status) {
    return "{\"status\":\"" + status.wireName() + "\"}";
  }

  static void legal(JobStatus from, JobStatus to) {
    if (!from.canTransitionTo(to)) {
      throw new IllegalStateException("illegal job transition " + from.wireName() + " -> " + to.wireName());
    }
  }

  static Timestamp ts(Instant instant) {
    return instant == null ? null : Timestamp.from(instant);
  }
}
