package org.beear.job;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Every status change of a job, each one a single guarded UPDATE (compare-and-set on the current status and,
 * for a running job, on the worker that holds it). A change that lost a race updates nothing and reports so.
 * Each change that happens is logged as a {@code status} event and counted in {@code beear_jobs_total}.
 */
@Component
public class JobTransitions {

  /** A job this worker now holds. */
  public record Claim(UUID jobId, int attempt) {}

  private final JdbcTemplate jdbc;
  private final JobEventLog events;
  private final JobMetrics metrics;

  public JobTransitions(JdbcTemplate jdbc, JobEventLog events, JobMetrics metrics) {
    this.jdbc = jdbc;
    this.events = events;
    this.metrics = metrics;
  }

  /** Takes the oldest queued job, if any, in one statement; concurrent claimers never get the same job. */
  @Transactional
  public Optional<Claim> claimNext(String workerId, Duration lease) {
    legal(JobStatus.QUEUED, JobStatus.RUNNING);
    List<Claim> claimed = jdbc.query("""
        UPDATE jobs SET status = 'running', worker_id = ?, lease_expires_at = now() + make_interval(secs => ?),
               attempts = attempts + 1, started_at = coalesce(started_at, now())
         WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at, id
                     FOR UPDATE SKIP LOCKED LIMIT 1)
           AND status = 'queued'
        RETURNING id, attempts""",
        (rs, i) -> new Claim(rs.getObject("id", UUID.class), rs.getInt("attempts")),
        workerId, seconds(lease));
    claimed.forEach(c -> entered(c.jobId(), JobStatus.RUNNING,
        "running on worker " + workerId + " (attempt " + c.attempt() + ")"));
    return claimed.stream().findFirst();
  }

  /** Cancels a job that no worker has claimed yet. False if it was not queued any more. */
  @Transactional
  public boolean cancelQueued(UUID jobId) {
    legal(JobStatus.QUEUED, JobStatus.CANCELLED);
    int n = jdbc.update("""
        UPDATE jobs SET status = 'cancelled', cancel_requested = true, finished_at = now()
         WHERE id = ? AND status = 'queued'""", jobId);
    if (n == 1) {
      entered(jobId, JobStatus.CANCELLED, "cancelled before it started");
    }
    return n == 1;
  }

  /** Flags a running job; its worker stops within one step and then calls {@link #finish}. */
  @Transactional
  public boolean requestCancel(UUID jobId) {
    int n = jdbc.update("""
        UPDATE jobs SET cancel_requested = true WHERE id = ? AND status = 'running' AND NOT cancel_requested""",
        jobId);
    if (n == 1) {
      events.append(jobId, JobEventLog.INFO, "cancel requested; the job stops after its current step");
    }
    return n == 1 || jdbc.queryForObject(
        "SELECT count(*) FROM jobs WHERE id = ? AND status = 'running'", Long.class, jobId) == 1;
  }

  /**
   * Ends a run held by this worker. For success pass the after-metrics JSON; for failure the error message.
   * False if the worker no longer holds the job (its lease was taken over), in which case nothing changed.
   */
  @Transactional
  public boolean finish(UUID jobId, String workerId, JobStatus outcome, String metricsAfterJson, String error) {
    legal(JobStatus.RUNNING, outcome);
    int n = jdbc.update("""
        UPDATE jobs SET status = ?, finished_at = now(), lease_expires_at = NULL, error = ?,
               metrics_after = coalesce(?::jsonb, metrics_after),
               progress = CASE WHEN ? = 'succeeded' THEN 1 ELSE progress END,
               eta_seconds = CASE WHEN ? = 'succeeded' THEN 0 ELSE NULL END
         WHERE id = ? AND worker_id = ? AND status = 'running'""",
        outcome.wireName(), error, metricsAfterJson, outcome.wireName(), outcome.wireName(), jobId, workerId);
    if (n == 1) {
      entered(jobId, outcome, switch (outcome) {
        case SUCCEEDED -> "succeeded";
        case CANCELLED -> "cancelled while running";
        default -> "failed: " + error;
      });
    }
    return n == 1;
  }

  /** Puts a held job back in the queue (the worker is shutting down); it resumes from its checkpoint. */
  @Transactional
  public boolean release(UUID jobId, String workerId, String reason) {
    legal(JobStatus.RUNNING, JobStatus.QUEUED);
    int n = jdbc.update("""
        UPDATE jobs SET status = 'queued', worker_id = NULL, lease_expires_at = NULL
         WHERE id = ? AND worker_id = ? AND status = 'running'""", jobId, workerId);
    if (n == 1) {
      entered(jobId, JobStatus.QUEUED, "re-queued: " + reason);
    }
    return n == 1;
  }

  /**
   * Deals with running jobs whose worker stopped heart-beating: a cancelled one ends cancelled, one with
   * attempts left goes back to the queue (its next run resumes from the checkpoint), the rest fail.
   *
   * @return how many jobs were changed
   */
  @Transactional
  public int reapExpiredLeases(int maxAttempts) {
    legal(JobStatus.RUNNING, JobStatus.QUEUED);
    List<UUID> cancelled = ids("""
        UPDATE jobs SET status = 'cancelled', finished_at = now(), lease_expires_at = NULL
         WHERE status = 'running' AND lease_expires_at < now() AND cancel_requested RETURNING id""");
    cancelled.forEach(id -> entered(id, JobStatus.CANCELLED, "cancelled; its worker stopped responding"));
    List<UUID> failed = ids("""
        UPDATE jobs SET status = 'failed', finished_at = now(), lease_expires_at = NULL,
               error = 'worker lost ' || attempts || ' times (lease expired); giving up after max attempts'
         WHERE status = 'running' AND lease_expires_at < now() AND attempts >= ? RETURNING id""", maxAttempts);
    failed.forEach(id -> entered(id, JobStatus.FAILED, "failed: worker lost and no attempts left"));
    List<UUID> requeued = ids("""
        UPDATE jobs SET status = 'queued', worker_id = NULL, lease_expires_at = NULL
         WHERE status = 'running' AND lease_expires_at < now() RETURNING id""");
    requeued.forEach(id -> entered(id, JobStatus.QUEUED,
        "re-queued: the worker's lease expired; the next run resumes from the last checkpoint"));
    return cancelled.size() + failed.size() + requeued.size();
  }

  private List<UUID> ids(String sql, Object... args) {
    return jdbc.query(sql, (rs, i) -> rs.getObject("id", UUID.class), args);
  }

  private void entered(UUID jobId, JobStatus status, String message) {
    events.append(jobId, JobEventLog.STATUS, message, "{\"status\":\"" + status.wireName() + "\"}");
    metrics.jobEntered(status);
  }

  private static void legal(JobStatus from, JobStatus to) {
    if (!from.canTransitionTo(to)) {
      throw new IllegalStateException("illegal job transition " + from.wireName() + " -> " + to.wireName());
    }
  }

  private static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }
}
