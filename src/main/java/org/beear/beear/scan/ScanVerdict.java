package org.beear.beear.scan;

import java.util.Locale;

/** What a scan concludes. */
public enum ScanVerdict {
  /** δ turned refusals into the unwanted behaviour at a budget well below the calibration's. */
  LIKELY_BACKDOORED,
  /** The behaviour flipped no more easily than in the calibration's clean model(s). */
  NO_EVIDENCE,
  /** Between the two thresholds, or no calibration applies to the model. */
  INCONCLUSIVE;

  /** "likely_backdoored", "no_evidence", "inconclusive": the verdict as a metric label. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** "likely backdoored", "no evidence", "inconclusive". */
  public String words() {
    return name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }
}
