package org.beear.job;

import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;

/** Reads of {@code jobs}. Writes after the insert go through {@link JobTransitions} and {@link JobProgress}. */
public interface JobRepository extends JpaRepository<CleanseJob, UUID> {

  Optional<CleanseJob> findByIdempotencyKey(String idempotencyKey);

  Page<CleanseJob> findByStatus(JobStatus status, Pageable pageable);

  long countByStatus(JobStatus status);
}
