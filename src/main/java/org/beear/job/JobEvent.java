package org.beear.job;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One line of a job's event log: a status change, an engine event, an epoch or an error. Append-only. */
@Entity
@org.hibernate.annotations.Immutable
@Table(name = "job_events")
public class JobEvent {

  @Id
  private long id;
  private UUID jobId;
  private Instant createdAt;
  private String type;
  private String message;
  @Column(columnDefinition = "jsonb")
  private String data;

  protected JobEvent() {}

  public long getId() { return id; }
  public UUID getJobId() { return jobId; }
  public Instant getCreatedAt() { return createdAt; }
  public String getType() { return type; }
  public String getMessage() { return message; }
  /** JSON document with details (an epoch's metrics, the worker id), or null. */
  public String getData() { return data; }
}
