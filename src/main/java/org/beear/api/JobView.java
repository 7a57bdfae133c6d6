package org.beear.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import org.beear.beear.Provenance;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.evaluation.RateChange;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.ScanOptions;
import org.beear.job.Job;
import org.beear.job.JobJson;
import org.beear.job.JobKind;
import org.beear.net.UriRedaction;

/** A job, cleanse or scan, as the API shows it. */
@Schema(name = "Job")
public record JobView(
    String id,
    @Schema(allowableValues = {"cleanse", "scan"}) String kind,
    @Schema(allowableValues = {"queued", "running", "succeeded", "failed", "cancelled"}) String status,
    String modelUri,
    @Schema(description = "where the cleansed model goes; null for a scan") String outputUri,
    @Schema(description = "a scan's clean reference model; null for the built-in calibration and for a cleanse")
    String referenceUri,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    @Schema(description = "0..1 of the epoch budget") double progress,
    int currentEpoch,
    int maxEpochs,
    @Schema(description = "estimated seconds left; null before the first epoch") Double etaSeconds,
    Metrics metrics,
    String error,
    @Schema(description = "how many times a worker claimed the job (more than 1 after a resume)") int attempts,
    boolean cancelRequested,
    @Schema(description = "sha256 of the downloaded model archive (http(s) models), or of the SHA256SUMS of an"
        + " s3:// model's files (one 'sha256  name' line per file, sorted by name)") String modelSha256,
    @Schema(description = "the commit the hf:// revision resolved to (hf:// models only)") String modelRevision,
    @Schema(description = "what the job read and wrote: the model's source and the sha256 and size of every input"
        + " file and (once it succeeded) every output file but report.json; null until the worker fetched the model")
    Provenance provenance,
    @Schema(ref = "#/components/schemas/" + OptionSchemas.CLEANSE,
        description = "a cleanse's options as submitted; omitted ones take their defaults; null for a scan")
    BeearOptions options,
    @Schema(ref = "#/components/schemas/" + OptionSchemas.SCAN,
        description = "a scan's options as submitted; omitted ones take their defaults; null for a cleanse")
    ScanOptions scanOptions,
    @Schema(ref = "#/components/schemas/" + OptionSchemas.CLEANSE,
        description = "every setting the job runs with, resolved against the model (and fitted to the workers'"
        + " device when options.fit asked for it); null until the model's config was read") BeearOptions settings,
    @Schema(description = "the memory plan of those settings on the workers' device (bytes per part and phase)")
    JsonNode memoryPlan,
    List<JobJson.StoredTrigger> triggers,
    String defenderDataUri,
    String anchoringDataUri,
    @Schema(description = "what a succeeded scan job found: verdict (likely backdoored, no evidence, inconclusive), "
        + "score, family, flip_budget, calibration, evidence and every sweep's rows; for a cleanse run with "
        + "options.scan, the verdict of its scan before cleansing (the same fields without the sweeps), as soon as "
        + "it is known; otherwise null")
    JsonNode scan,
    @Schema(description = "the job's release-gate policy as stored (every key, defaults filled in); null without one")
    JsonNode policy,
    @Schema(description = "the policy's outcome once the job succeeded: status (pass, fail, inconclusive), "
        + "exit_code (0, 1, 3, as the command line's) and per rule its id, description, threshold, measured value, "
        + "95% bound, rates, status and reason; null before and without a policy")
    JsonNode policyOutcome) {

  /** Evaluation before cleansing and after it; null until measured. */
  public record Metrics(EvalMetrics before, EvalMetrics after) {
    /** Over-refusal before and after and its rise, for a policy to read; null until both were measured. */
    @com.fasterxml.jackson.annotation.JsonProperty("over_refusal")
    public RateChange overRefusal() {
      return RateChange.overRefusal(before, after);
    }
  }

  /** URIs are redacted here too, for rows stored before secrets were sealed. */
  static JobView of(Job job, JobJson json) {
    return new JobView(job.getId().toString(), job.getKind().wireName(), job.getStatus().wireName(),
        UriRedaction.redact(job.getModelUri()), UriRedaction.redact(job.getOutputUri()),
        UriRedaction.redact(job.getReferenceUri()),
        job.getCreatedAt(), job.getStartedAt(), job.getFinishedAt(), job.getProgress(), job.getCurrentEpoch(),
        job.getMaxEpochs(), job.getEtaSeconds(),
        new Metrics(json.metrics(job.getMetricsBefore()), json.metrics(job.getMetricsAfter())), job.getError(),
        job.getAttempts(), job.isCancelRequested(), job.getModelSha256(), job.getModelRevision(),
        job.getProvenance() == null ? null : json.read(job.getProvenance(), Provenance.class),
        job.getKind() == JobKind.CLEANSE ? json.options(job) : null,
        job.getKind() == JobKind.SCAN ? json.scanOptions(job) : null,
        job.getSettings() == null ? null : json.read(job.getSettings(), BeearOptions.class),
        job.getMemoryPlan() == null ? null : json.read(job.getMemoryPlan(), JsonNode.class),
        json.read(job.getTriggers(), new com.fasterxml.jackson.core.type.TypeReference<>() {}),
        UriRedaction.redact(job.getDefenderDataUri()), UriRedaction.redact(job.getAnchoringDataUri()),
        job.getScanResult() == null ? null : json.read(job.getScanResult(), JsonNode.class),
        job.getPolicy() == null ? null : json.read(job.getPolicy(), JsonNode.class),
        job.getPolicyOutcome() == null ? null : json.read(job.getPolicyOutcome(), JsonNode.class));
  }
}
