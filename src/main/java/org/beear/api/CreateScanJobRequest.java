package org.beear.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.Map;
import org.beear.beear.settings.ScanOptions;
import org.beear.job.ScanSubmission;

/** Body of {@code POST /api/v1/scan-jobs}. Unknown fields, here or in {@code options}, are rejected. */
@Schema(name = "CreateScanJobRequest")
public record CreateScanJobRequest(
    @Schema(description = "The suspect model: the same URIs as a cleanse's model_uri (file://, http(s) archive, "
        + "s3://, hf://)", requiredMode = Schema.RequiredMode.REQUIRED, example = "file:///data/models/suspect-llama")
    String modelUri,
    @Schema(description = "A clean model of the suspect's family (e.g. the base model it was tuned from), scanned "
        + "the same way to calibrate the verdict; omitted: the built-in calibration, which holds for beear's "
        + "organisms only (other models get 'inconclusive')")
    String referenceUri,
    @Schema(ref = "#/components/schemas/" + OptionSchemas.SCAN) ScanOptions options,
    @Schema(description = PolicySchema.DESCRIPTION, example = PolicySchema.EXAMPLE) Map<String, Object> policy) {

  ScanSubmission toSubmission() {
    return new ScanSubmission(modelUri, referenceUri, options, policy);
  }
}
