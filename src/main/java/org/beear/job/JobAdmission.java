package org.beear.job;

import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.beear.limits.JobCreationRateLimiter;
import org.beear.limits.LimitExceededException;
import org.beear.limits.LimitsProperties;
import org.springframework.stereotype.Component;

/**
 * The limits a job submission must keep: sizes that make a request invalid (400), and what a tenant may have at
 * once (429): jobs queued or running, counted in the database, and job creations per period.
 */
@Component
class JobAdmission {

  /** pg_advisory_xact_lock class id: one lock per tenant serialises its submissions' count-then-insert. */
  private static final int TENANT_QUEUE_LOCK = 0x6a6f6273;
  /** A queue slot frees when one of the tenant's jobs ends; jobs run for minutes to hours. */
  private static final Duration QUEUE_RETRY_AFTER = Duration.ofMinutes(1);

  private final LimitsProperties limits;
  private final JobRepository jobs;
  private final EntityManager entityManager;
  private final JobCreationRateLimiter rate;

  JobAdmission(LimitsProperties limits, JobRepository jobs, EntityManager entityManager,
      JobCreationRateLimiter rate) {
    this.limits = limits;
    this.jobs = jobs;
    this.entityManager = entityManager;
    this.rate = rate;
  }

  /** URIs and trigger lists longer than allowed; checked before anything else so none of them is ever resolved. */
  List<FieldProblem> oversized(JobSubmission submission) {
    List<FieldProblem> problems = new ArrayList<>();
    checkUri(problems, "model_uri", submission.modelUri());
    checkUri(problems, "output_uri", submission.outputUri());
    checkUri(problems, "defender_data_uri", submission.defenderDataUri());
    checkUri(problems, "anchoring_data_uri", submission.anchoringDataUri());
    if (submission.triggers().size() > limits.maxTriggersPerJob()) {
      problems.add(new FieldProblem("evaluation.triggers", "at most " + limits.maxTriggersPerJob()
          + " triggers per job, got " + submission.triggers().size()));
    }
    return problems;
  }

  void checkUri(List<FieldProblem> problems, String field, String uri) {
    if (uri != null && uri.length() > limits.maxUriLength()) {
      problems.add(new FieldProblem(field, "longer than " + limits.maxUriLength() + " characters ("
          + uri.length() + ")"));
    }
  }

  /**
   * Lets the tenant create one job now, or refuses with 429. Runs in the transaction that inserts the job, under
   * a lock per tenant, so concurrent submissions (on any replica) cannot together pass the queue limit. The rate
   * is taken last, so a submission refused for its queue costs no creation; {@link #undo} gives it back when the
   * insert does not happen after all.
   */
  void admit(String tenant) {
    entityManager.createNativeQuery("SELECT 1 FROM pg_advisory_xact_lock(:lockClass, hashtext(:tenant))")
        .setParameter("lockClass", TENANT_QUEUE_LOCK)
        .setParameter("tenant", tenant)
        .getSingleResult();
    long active = jobs.countByTenantAndStatusIn(tenant, EnumSet.of(JobStatus.QUEUED, JobStatus.RUNNING));
    if (active >= limits.maxQueuedJobsPerTenant()) {
      throw new LimitExceededException("Too many queued jobs",
          "tenant '" + tenant + "' already has " + active + " jobs queued or running (at most "
              + limits.maxQueuedJobsPerTenant() + "); wait for one to end or cancel one", QUEUE_RETRY_AFTER);
    }
    rate.acquire(tenant);
  }

  /** The job admitted for the tenant was not created: its creation goes back to the rate. */
  void undo(String tenant) {
    rate.giveBack(tenant);
  }
}
