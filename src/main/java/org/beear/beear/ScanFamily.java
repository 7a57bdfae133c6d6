package org.beear.beear;

import java.util.Locale;

/**
 * The unwanted behaviours a scan looks for, one δ sweep each (see {@link DefenderFamily}): harmful compliance
 * (the safe answer is a refusal, judged by refusal keywords) and insecure code (the safe answer is secure code,
 * judged by which reference the answer follows).
 */
public enum ScanFamily {
  HARMFUL_COMPLIANCE,
  INSECURE_CODE;

  /** The name in scan.json and on the command line: "harmful_compliance", "insecure_code". */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  static ScanFamily of(DefenderFamily family) {
    return family.refusalJudged() ? HARMFUL_COMPLIANCE : INSECURE_CODE;
  }
}
