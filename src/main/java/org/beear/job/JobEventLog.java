package org.beear.job;

import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Appends to a job's event log. Events are never updated or deleted while the job exists. */
@Component
public class JobEventLog {

  /** Event types written by the service itself; the engine adds its own. */
  public static final String STATUS = "status";
  public static final String BASELINE = "baseline";
  public static final String EPOCH = "epoch";
  public static final String ERROR = "error";
  public static final String INFO = "info";

  private final JdbcTemplate jdbc;

  public JobEventLog(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public void append(UUID jobId, String type, String message) {
    append(jobId, type, message, null);
  }

  /** @param dataJson a JSON document with details, or null */
  public void append(UUID jobId, String type, String message, String dataJson) {
    jdbc.update("INSERT INTO job_events (job_id, type, message, data) VALUES (?, ?, ?, ?::jsonb)",
        jobId, type, message, dataJson);
  }
}
