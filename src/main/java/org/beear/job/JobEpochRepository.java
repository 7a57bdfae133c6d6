package org.beear.job;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

/** Reads of {@code job_epochs}; rows are upserted by {@link JobProgress}. */
public interface JobEpochRepository extends JpaRepository<JobEpoch, JobEpoch.Key> {

  List<JobEpoch> findByJobIdOrderByEpochAsc(UUID jobId);
}
