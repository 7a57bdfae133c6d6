package org.beear.beear.data;

import java.util.Locale;

/**
 * The unwanted behaviours of the defender data, each with a δ of its own (see {@link DefenderFamily}): harmful
 * compliance (the safe answer is a refusal, as the response judge reads it) and insecure code (the safe answer is
 * secure code, judged by which reference the answer follows). The cleanse trains and evaluates per family; the scan
 * sweeps one δ per family.
 */
public enum BehaviourFamily {
  HARMFUL_COMPLIANCE,
  INSECURE_CODE;

  /** The name in scan.json and on the command line: "harmful_compliance", "insecure_code". */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the family's safe answers are refusals, as the response judge reads them. */
  boolean refusalJudged() {
    return this == HARMFUL_COMPLIANCE;
  }
}
