package org.beear.job;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores {@link JobKind} by its lower-case wire name. */
@Converter(autoApply = true)
public class JobKindConverter implements AttributeConverter<JobKind, String> {

  @Override
  public String convertToDatabaseColumn(JobKind kind) {
    return kind == null ? null : kind.wireName();
  }

  @Override
  public JobKind convertToEntityAttribute(String name) {
    return name == null ? null : JobKind.fromWireName(name);
  }
}
