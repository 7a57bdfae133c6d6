package org.beear.job;

import org.beear.beear.settings.ScanOptions;

/**
 * A scan request as the API received it, before validation.
 *
 * @param referenceUri a clean model of the suspect's family to calibrate against; null: the built-in calibration
 */
public record ScanSubmission(String modelUri, String referenceUri, ScanOptions options) {

  public ScanSubmission {
    options = options == null ? ScanOptions.defaults() : options;
  }
}
