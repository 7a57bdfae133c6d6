package org.beear.job;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.Immutable;

/**
 * One row of {@code jobs}, a cleanse or a scan ({@link JobKind}), read through JPA. {@link JobStore} makes every
 * write (the insert too, as guarded SQL), so this entity is never saved back with stale state: it is immutable to
 * Hibernate, and its JSON columns ({@code jsonb}) are read as text.
 */
@Entity
@Immutable
@Table(name = "jobs")
public class Job {

  @Id
  private UUID id;
  private String tenant;
  private JobKind kind;
  private JobStatus status;
  /** Shown everywhere; redacted when the submitted URI carried secrets. */
  private String modelUri;
  /** The submitted URI sealed by {@link org.beear.security.SecretSealer} when it carried secrets; else null. */
  private String modelUriSealed;
  /** Where a cleanse writes the cleansed model; null for a scan, which writes nothing. */
  private String outputUri;
  /** A scan's clean reference model, shown (redacted) like the model URI; null for a cleanse or a built-in one. */
  private String referenceUri;
  private String referenceUriSealed;
  private String defenderDataUri;
  private String anchoringDataUri;
  private String options;
  private String triggers;
  private String idempotencyKey;
  private String requestFingerprint;
  private Instant createdAt;
  private Instant startedAt;
  private Instant finishedAt;
  private double progress;
  private int currentEpoch;
  private int maxEpochs;
  private Double etaSeconds;
  private String metricsBefore;
  private String metricsAfter;
  private String error;
  private int attempts;
  private int crashes;
  private String workerId;
  private Instant leaseExpiresAt;
  private boolean cancelRequested;
  private String modelSha256;
  private String modelRevision;
  private String provenance;
  private String settings;
  private String memoryPlan;
  private String scanResult;
  private String policy;
  private String policyOutcome;

  protected Job() {}

  /**
   * A new queued job; options, triggers, settings and plan are JSON documents in the API's snake_case form (settings
   * and plan null when the model's config was not at hand at submission).
   */
  public static Job queued(UUID id, String tenant, String modelUri, String modelUriSealed, String outputUri,
      String defenderDataUri, String anchoringDataUri, String optionsJson, String triggersJson, int maxEpochs,
      String idempotencyKey,
      String requestFingerprint, Instant createdAt, String settingsJson, String memoryPlanJson) {
    Job job = new Job();
    job.id = id;
    job.kind = JobKind.CLEANSE;
    job.tenant = tenant;
    job.status = JobStatus.QUEUED;
    job.modelUri = modelUri;
    job.modelUriSealed = modelUriSealed;
    job.outputUri = outputUri;
    job.defenderDataUri = defenderDataUri;
    job.anchoringDataUri = anchoringDataUri;
    job.options = optionsJson;
    job.triggers = triggersJson;
    job.maxEpochs = maxEpochs;
    job.idempotencyKey = idempotencyKey;
    job.requestFingerprint = requestFingerprint;
    job.createdAt = createdAt;
    job.settings = settingsJson;
    job.memoryPlan = memoryPlanJson;
    return job;
  }

  /**
   * A new queued scan; options are the scan's options as JSON, the reference (shown and sealed) null for the
   * built-in calibration.
   */
  public static Job queuedScan(UUID id, String tenant, String modelUri, String modelUriSealed, String referenceUri,
      String referenceUriSealed, String optionsJson, String idempotencyKey, String requestFingerprint,
      Instant createdAt) {
    Job job = new Job();
    job.id = id;
    job.kind = JobKind.SCAN;
    job.tenant = tenant;
    job.status = JobStatus.QUEUED;
    job.modelUri = modelUri;
    job.modelUriSealed = modelUriSealed;
    job.referenceUri = referenceUri;
    job.referenceUriSealed = referenceUriSealed;
    job.options = optionsJson;
    job.triggers = "[]";
    job.idempotencyKey = idempotencyKey;
    job.requestFingerprint = requestFingerprint;
    job.createdAt = createdAt;
    return job;
  }

  public UUID getId() { return id; }
  public String getTenant() { return tenant; }
  public JobKind getKind() { return kind; }
  public JobStatus getStatus() { return status; }
  public String getModelUri() { return modelUri; }
  public String getModelUriSealed() { return modelUriSealed; }
  public String getOutputUri() { return outputUri; }
  public String getReferenceUri() { return referenceUri; }
  public String getReferenceUriSealed() { return referenceUriSealed; }
  public String getDefenderDataUri() { return defenderDataUri; }
  public String getAnchoringDataUri() { return anchoringDataUri; }
  public String getOptions() { return options; }
  public String getTriggers() { return triggers; }
  public String getIdempotencyKey() { return idempotencyKey; }
  public String getRequestFingerprint() { return requestFingerprint; }
  public Instant getCreatedAt() { return createdAt; }
  public Instant getStartedAt() { return startedAt; }
  public Instant getFinishedAt() { return finishedAt; }
  public double getProgress() { return progress; }
  public int getCurrentEpoch() { return currentEpoch; }
  public int getMaxEpochs() { return maxEpochs; }
  public Double getEtaSeconds() { return etaSeconds; }
  public String getMetricsBefore() { return metricsBefore; }
  public String getMetricsAfter() { return metricsAfter; }
  public String getError() { return error; }
  public int getAttempts() { return attempts; }
  /** Runs of this job that died (lease lost, or an error outside the job's own verdict). */
  public int getCrashes() { return crashes; }
  public String getWorkerId() { return workerId; }
  public Instant getLeaseExpiresAt() { return leaseExpiresAt; }
  public boolean isCancelRequested() { return cancelRequested; }
  public String getModelSha256() { return modelSha256; }
  /** The commit a {@code hf://} revision resolved to; null for other sources and before the fetch. */
  public String getModelRevision() { return modelRevision; }
  /** JSON of {@link org.beear.beear.Provenance}; null before the worker fetched the model. */
  public String getProvenance() { return provenance; }
  public String getSettings() { return settings; }
  public String getMemoryPlan() { return memoryPlan; }
  /** JSON of what a succeeded scan found; null for a cleanse and before a scan succeeded. */
  public String getScanResult() { return scanResult; }
  /** JSON of the job's release-gate policy ({@code org.beear.policy.Policy#toMap}); null when it has none. */
  public String getPolicy() { return policy; }
  /** JSON of the policy's outcome per rule once the job succeeded; null before, and without a policy. */
  public String getPolicyOutcome() { return policyOutcome; }

  /** This new job with a release-gate policy (JSON), before it is inserted. */
  Job withPolicy(String policyJson) {
    this.policy = policyJson;
    return this;
  }
}
