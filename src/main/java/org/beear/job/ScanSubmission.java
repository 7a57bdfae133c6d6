package org.beear.job;

import java.util.Map;
import org.beear.beear.settings.ScanOptions;

/**
 * A scan request as the API received it, before validation.
 *
 * @param referenceUri a clean model of the suspect's family to calibrate against; null: the built-in calibration
 * @param policy       a release-gate policy as a JSON object, unchecked; null: none
 */
public record ScanSubmission(String modelUri, String referenceUri, ScanOptions options, Map<String, Object> policy) {

  public ScanSubmission(String modelUri, String referenceUri, ScanOptions options) {
    this(modelUri, referenceUri, options, null);
  }

  public ScanSubmission {
    options = options == null ? ScanOptions.defaults() : options;
  }
}
