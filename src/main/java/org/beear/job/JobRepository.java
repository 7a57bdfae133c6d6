package org.beear.job;

import java.util.Collection;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;
import org.springframework.transaction.annotation.Transactional;

/** Reads of {@code jobs}. Writes after the insert go through {@link JobTransitions} and {@link JobProgress}. */
public interface JobRepository extends JpaRepository<CleanseJob, UUID> {

  Optional<CleanseJob> findByIdAndTenant(UUID id, String tenant);

  Optional<CleanseJob> findByTenantAndIdempotencyKey(String tenant, String idempotencyKey);

  Page<CleanseJob> findByTenant(String tenant, Pageable pageable);

  Page<CleanseJob> findByTenantAndStatus(String tenant, JobStatus status, Pageable pageable);

  /** Frees an expired idempotency key for a new job; the job it named keeps everything else. */
  @Modifying
  @Transactional
  @Query(value = "UPDATE jobs SET idempotency_key = NULL WHERE id = :id", nativeQuery = true)
  int releaseIdempotencyKey(@Param("id") UUID id);

  long countByStatus(JobStatus status);

  long countByTenantAndStatusIn(String tenant, Collection<JobStatus> statuses);
}
