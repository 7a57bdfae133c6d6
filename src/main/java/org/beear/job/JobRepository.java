package org.beear.job;

import java.util.Collection;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;

/** Reads of {@code jobs}. Every write goes through {@link JobStore}. */
public interface JobRepository extends JpaRepository<CleanseJob, UUID> {

  Optional<CleanseJob> findByIdAndTenant(UUID id, String tenant);

  Optional<CleanseJob> findByTenantAndIdempotencyKey(String tenant, String idempotencyKey);

  Page<CleanseJob> findByTenant(String tenant, Pageable pageable);

  Page<CleanseJob> findByTenantAndStatus(String tenant, JobStatus status, Pageable pageable);

  boolean existsByOutputUriAndStatusIn(String outputUri, Collection<JobStatus> statuses);

  Optional<CleanseJob> findFirstByOutputUriAndTenantAndStatusIn(String outputUri, String tenant,
      Collection<JobStatus> statuses);

  long countByStatus(JobStatus status);

  long countByTenantAndStatusIn(String tenant, Collection<JobStatus> statuses);
}
