package org.beear.job;

import java.util.Locale;
import java.util.Set;

/**
 * Life cycle of a cleanse job. The only legal moves are queued -> running -> succeeded | failed | cancelled,
 * running -> queued (lease expired or worker shut down: the job resumes from its checkpoint) and
 * queued -> cancelled.
 */
public enum JobStatus {
  QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }

  public boolean canTransitionTo(JobStatus next) {
    return switch (this) {
      case QUEUED -> next == RUNNING || next == CANCELLED;
      case RUNNING -> Set.of(SUCCEEDED, FAILED, CANCELLED, QUEUED).contains(next);
      case SUCCEEDED, FAILED, CANCELLED -> false;
    };
  }

  /** The lower-case name used in the database, the API and metric labels. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static JobStatus fromWireName(String name) {
    for (JobStatus status : values()) {
      if (status.wireName().equals(name)) {
        return status;
      }
    }
    throw new IllegalArgumentException(
        "unknown status '" + name + "': expected queued, running, succeeded, failed or cancelled");
  }
}
