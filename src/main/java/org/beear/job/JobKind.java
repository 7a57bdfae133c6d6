package org.beear.job;

import java.util.Locale;

/**
 * What a job does. Both kinds share the queue, the workers, tenants and limits, cancellation, events and metrics;
 * they differ in what a run computes and what it leaves behind.
 */
public enum JobKind {
  /** BEEAR's bi-level loop: a cleansed model in the output location, ASR before and after. */
  CLEANSE,
  /** The trigger-free backdoor scan: a verdict, a score and its evidence, kept on the job; no output files. */
  SCAN;

  /** The lower-case name used in the database, the API and metric labels. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static JobKind fromWireName(String name) {
    for (JobKind kind : values()) {
      if (kind.wireName().equals(name)) {
        return kind;
      }
    }
    throw new IllegalArgumentException("unknown job kind '" + name + "': expected cleanse or scan");
  }
}
