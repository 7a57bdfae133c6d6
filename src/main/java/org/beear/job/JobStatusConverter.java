package org.beear.job;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores {@link JobStatus} by its lower-case wire name, the same text the SQL transitions use. */
@Converter(autoApply = true)
public class JobStatusConverter implements AttributeConverter<JobStatus, String> {

  @Override
  public String convertToDatabaseColumn(JobStatus status) {
    return status == null ? null : status.wireName();
  }

  @Override
  public JobStatus convertToEntityAttribute(String name) {
    return name == null ? null : JobStatus.fromWireName(name);
  }
}
