package org.beear.job;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;

/** Reads of {@code jobs}. Every write goes through {@link JobStore}. */
public interface JobRepository extends JpaRepository<Job, UUID> {

  Optional<Job> findByIdAndTenant(UUID id, String tenant);

  Optional<Job> findByIdAndTenantAndKind(UUID id, String tenant, JobKind kind);

  Optional<Job> findByTenantAndIdempotencyKey(String tenant, String idempotencyKey);

  Page<Job> findByTenantAndKind(String tenant, JobKind kind, Pageable pageable);

  Page<Job> findByTenantAndKindAndStatus(String tenant, JobKind kind, JobStatus status, Pageable pageable);

  boolean existsByOutputUriAndStatusIn(String outputUri, Collection<JobStatus> statuses);

  Optional<Job> findFirstByOutputUriAndTenantAndStatusIn(String outputUri, String tenant,
      Collection<JobStatus> statuses);

  /** A job's id and tenant. */
  interface IdAndTenant {
    UUID getId();

    String getTenant();
  }

  /** A job's output location. */
  interface OutputLocation {
    String getOutputUri();
  }

  Optional<IdAndTenant> findTenantById(UUID id);

  List<IdAndTenant> findByOutputUriIn(Collection<String> outputUris);

  List<OutputLocation> findByOutputUriStartingWithAndStatusIn(String prefix, Collection<JobStatus> statuses);

  long countByStatus(JobStatus status);

  long countByTenantAndStatusIn(String tenant, Collection<JobStatus> statuses);
}
