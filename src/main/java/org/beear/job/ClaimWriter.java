package org.beear.job;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.loop.EpochRecord;
import org.beear.eval.Rate;
import org.beear.job.JobStore.Claim;
import org.beear.job.JobStore.Ended;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The writes of the run that holds one {@link Claim}, handed out by {@link JobStore#claimed}: each adds the claim's
 * fence (the job id, the worker id and the claim number must all still match a running job) itself, so a run
 * whose claim was superseded changes nothing, not even the event log.
 *
 * <p>Whether the claim still holds the job has one answer per kind of write. A write while the job runs (events,
 * progress, epochs, results, the heartbeat) first asks its {@link Holder} whether the run may still write, and
 * when the store refuses it because another claim holds the job now, it throws what {@link Holder#lost} returns:
 * the caller never checks a result. The writes that end the job ({@link #finish}, {@link #release},
 * {@link #crashed}) report instead whether they ended it: the run is over either way.
 */
public final class ClaimWriter {

  /** The claim's fence, the one place it is written; {@link #fenced} appends its arguments. */
  private static final String HELD = "id = ? AND worker_id = ? AND attempts = ? AND status = 'running'";

  /** The run that holds a claim, as its writer sees it. */
  public interface Holder {
    /** Called before each write while the job runs: throws when the run itself knows it may write no more. */
    void beforeWrite();

    /** The store refused a write: another claim holds the job now. Returns what the writer throws. */
    RuntimeException lost(Claim claim);
  }

  /** A holder that writes while the store lets it and throws {@link ClaimLostException} when it does not. */
  static final Holder UNGUARDED = new Holder() {
    @Override
    public void beforeWrite() {}

    @Override
    public RuntimeException lost(Claim claim) {
      return new ClaimLostException(claim);
    }
  };

  /** What became of an epoch's record: stored now, or stored before (by an earlier run of the job). */
  public enum EpochWrite { RECORDED, ALREADY_RECORDED }

  /** Where a crashed run's job went: back to the queue to resume, or failed for good; NOT_HELD: nowhere. */
  public enum CrashOutcome { REQUEUED, FAILED, NOT_HELD }

  private final JobStore store;
  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;
  private final Claim claim;
  private final Holder holder;

  ClaimWriter(JobStore store, JdbcTemplate jdbc, TransactionTemplate tx, Claim claim, Holder holder) {
    this.store = store;
    this.jdbc = jdbc;
    this.tx = tx;
    this.claim = claim;
    this.holder = holder;
  }

  public Claim claim() {
    return claim;
  }

  // ---- while the job runs: a refused write throws the holder's signal ----

  /** Extends the lease by {@code lease} from now. Returns whether a cancel was requested. */
  public boolean heartbeat(Duration lease) {
    holder.beforeWrite();
    return held(jdbc.query("UPDATE jobs SET lease_expires_at = ? WHERE " + HELD + " RETURNING cancel_requested",
        (rs, i) -> rs.getBoolean(1), fenced(JobStore.ts(store.now().plus(lease)))));
  }

  /** The cancel flag, read without touching the lease (a read: the holder is not asked first). */
  public boolean cancelRequested() {
    return held(jdbc.query("SELECT cancel_requested FROM jobs WHERE " + HELD, (rs, i) -> rs.getBoolean(1),
        fenced()));
  }

  /** Appends an event to the job's log. */
  public void event(String type, String message, String dataJson) {
    holder.beforeWrite();
    held(jdbc.update("INSERT INTO job_events (job_id, type, message, data) SELECT ?, ?, ?, ?::jsonb"
        + " WHERE EXISTS (SELECT 1 FROM jobs WHERE " + HELD + ")", fenced(claim.jobId(), type, message, dataJson)));
  }

  /** The evaluation before cleansing. */
  public void baseline(EvalMetrics before) {
    update("metrics_before = ?::jsonb", store.json().write(before));
  }

  /**
   * The progress (0..1) of a job without epochs (a scan) and its estimated seconds left (null: unknown). Never moves
   * the progress back.
   */
  public void progress(double progress, Double etaSeconds) {
    update("progress = greatest(progress, ?), eta_seconds = ?", clamp(progress), etaSeconds);
  }

  /** What a scan found (a scan job's verdict, or a cleanse's scan before cleansing), as the API shows it. */
  public void scanResult(String scanResultJson) {
    update("scan_result = ?::jsonb", scanResultJson);
  }

  /** The outcome of the job's policy per rule, once the job's figures are known. */
  public void policyOutcome(String outcomeJson) {
    update("policy_outcome = ?::jsonb", outcomeJson);
  }

  /** The settings the worker resolved (and maybe fitted) for the model it loads, with their memory plan. */
  public void plan(String settingsJson, String memoryPlanJson) {
    update("settings = ?::jsonb, memory_plan = ?::jsonb", settingsJson, memoryPlanJson);
  }

  /** The digest of the fetched model: an http(s) archive's, or an s3:// model's SHA256SUMS. */
  public void modelChecksum(String sha256) {
    update("model_sha256 = ?", sha256);
  }

  /**
   * The job's provenance (source, input and output digests) as the run knows it so far, and the commit a
   * {@code hf://} revision resolved to (null keeps what is stored).
   */
  public void provenance(String modelRevision, String provenanceJson) {
    update("model_revision = coalesce(?, model_revision), provenance = ?::jsonb", modelRevision, provenanceJson);
  }

  /**
   * Records an epoch once: the first record of an epoch stands, so a run that repeats an epoch (it crashed after
   * recording it but before its checkpoint) or re-reports one from its checkpoint adds no second row or event.
   * The job's progress is updated either way.
   */
  public EpochWrite epoch(EpochRecord epoch, double progress, Double etaSeconds) {
    holder.beforeWrite();
    EvalMetrics m = epoch.metrics() != null ? epoch.metrics() : EvalMetrics.NONE;
    // the fenced UPDATE first: its row lock keeps the claim this run's until the epoch's row is in
    EpochWrite written = tx.execute(status -> {
      if (jdbc.update("UPDATE jobs SET current_epoch = greatest(current_epoch, ?), progress = greatest(progress, ?),"
          + " eta_seconds = ? WHERE " + HELD, fenced(epoch.epoch(), clamp(progress), etaSeconds)) != 1) {
        return null;
      }
      int n = jdbc.update("""
          INSERT INTO job_epochs (job_id, epoch, attempt, entrapment_loss, removal_safe_loss, removal_anchor_loss,
                 asr_triggered, asr_no_trigger, asr_perturbation, benign_exact_match, anchor_perplexity,
                 insecure_code_rate, secure_code_rate, seconds, recorded_at,
                 asr_triggered_hits, asr_triggered_total, asr_perturbation_hits, asr_perturbation_total,
                 insecure_code_hits, insecure_code_total, secure_code_hits, secure_code_total)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (job_id, epoch) DO NOTHING""",
          claim.jobId(), epoch.epoch(), claim.attempt(), finite(epoch.entrapmentLoss()),
          finite(epoch.removalSafeLoss()), finite(epoch.removalAnchorLoss()), ratio(m.asrTriggered()),
          ratio(m.asrNoTrigger()), ratio(m.asrPerturbation()), ratio(m.benignExactMatch()), m.anchorPerplexity(),
          ratio(m.insecureCodeRate()), ratio(m.secureCodeRate()), epoch.seconds(), JobStore.ts(store.now()),
          hits(m.asrTriggered()), total(m.asrTriggered()), hits(m.asrPerturbation()), total(m.asrPerturbation()),
          hits(m.insecureCodeRate()), total(m.insecureCodeRate()), hits(m.secureCodeRate()),
          total(m.secureCodeRate()));
      return n == 1 ? EpochWrite.RECORDED : EpochWrite.ALREADY_RECORDED;
    });
    if (written == null) {
      throw holder.lost(claim);
    }
    return written;
  }

  // ---- the end of the run: each reports whether it ended the job ----

  /**
   * Ends the run. For success pass the after-metrics JSON; for failure the error message (also logged as an
   * {@code error} event). False if the claim no longer holds the job, in which case nothing changed.
   */
  public boolean finish(JobStatus outcome, String metricsAfterJson, String error) {
    JobStore.legal(JobStatus.RUNNING, outcome);
    return Boolean.TRUE.equals(tx.execute(status -> {
      Timestamp now = JobStore.ts(store.now());
      List<Ended> ended = jdbc.query("""
          UPDATE jobs SET status = ?, finished_at = ?, lease_expires_at = NULL, error = ?,
                 metrics_after = coalesce(?::jsonb, metrics_after),
                 progress = CASE WHEN ? = 'succeeded' THEN 1 ELSE progress END,
                 eta_seconds = CASE WHEN ? = 'succeeded' THEN 0 ELSE NULL END
           WHERE\s""" + HELD + " RETURNING " + JobStore.ENDED_COLUMNS, JobStore.ENDED,
          fenced(outcome.wireName(), now, error, metricsAfterJson, outcome.wireName(), outcome.wireName()));
      if (ended.size() != 1) {
        return false;
      }
      if (outcome == JobStatus.FAILED) {
        store.append(claim.jobId(), JobStore.ERROR, error, null);
      }
      store.ended(ended.get(0), outcome, now, switch (outcome) {
        case SUCCEEDED -> "succeeded";
        case CANCELLED -> "cancelled while running";
        default -> "failed: " + error;
      });
      return true;
    }));
  }

  /**
   * Puts the job back in the queue because its worker is shutting down; it resumes from its checkpoint. A graceful
   * release is not a crash: it does not use up one of the job's attempts. False if the claim no longer holds it.
   */
  public boolean release(String reason) {
    JobStore.legal(JobStatus.RUNNING, JobStatus.QUEUED);
    return Boolean.TRUE.equals(tx.execute(status -> {
      int n = jdbc.update("UPDATE jobs SET status = 'queued', worker_id = NULL, lease_expires_at = NULL WHERE "
          + HELD, fenced());
      if (n == 1) {
        store.entered(claim.jobId(), JobStatus.QUEUED, "re-queued: " + reason);
      }
      return n == 1;
    }));
  }

  /**
   * The run died of an error that is not the job's verdict (an {@link Error} such as running out of memory):
   * counted as a crash, like a lost lease. The job goes back to the queue while it has crashes left, else fails.
   */
  public CrashOutcome crashed(String error, int maxCrashes) {
    return tx.execute(status -> {
      Integer crashes = jdbc.query("UPDATE jobs SET crashes = crashes + 1 WHERE " + HELD + " RETURNING crashes",
          (rs, i) -> rs.getInt(1), fenced()).stream().findFirst().orElse(null);
      if (crashes == null) {
        return CrashOutcome.NOT_HELD;
      }
      if (crashes >= maxCrashes) { // finish logs the error event, with the cause
        finish(JobStatus.FAILED, null, "crashed " + crashes + " times; last: " + error);
        return CrashOutcome.FAILED;
      }
      store.append(claim.jobId(), JobStore.ERROR,
          "run crashed (" + crashes + " of " + maxCrashes + " crashes allowed): " + error, null);
      release("the run crashed; the next run resumes from the last checkpoint");
      return CrashOutcome.REQUEUED;
    });
  }

  // ---- the fence ----

  /** One column update of the held job. */
  private void update(String assignments, Object... args) {
    holder.beforeWrite();
    held(jdbc.update("UPDATE jobs SET " + assignments + " WHERE " + HELD, fenced(args)));
  }

  /** {@code args} followed by the arguments of {@link #HELD}: this claim's job, worker and claim number. */
  private Object[] fenced(Object... args) {
    Object[] all = Arrays.copyOf(args, args.length + 3);
    all[args.length] = claim.jobId();
    all[args.length + 1] = claim.workerId();
    all[args.length + 2] = claim.attempt();
    return all;
  }

  private void held(int updated) {
    if (updated != 1) {
      throw holder.lost(claim);
    }
  }

  private <T> T held(List<T> returned) {
    if (returned.isEmpty()) {
      throw holder.lost(claim);
    }
    return returned.get(0);
  }

  private static double clamp(double progress) {
    return Math.max(0, Math.min(1, progress));
  }

  /** NaN losses (a diverged step) are stored as "unknown" rather than poisoning the report. */
  private static Double ratio(Rate r) {
    return EvalMetrics.ratio(r);
  }

  private static Integer hits(Rate r) {
    return r == null ? null : r.hits();
  }

  private static Integer total(Rate r) {
    return r == null ? null : r.total();
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
