package org.beear.job;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

/** Reads of {@code job_events}; events are appended by {@link JobEventLog}. */
public interface JobEventRepository extends JpaRepository<JobEvent, Long> {

  List<JobEvent> findByJobIdOrderByIdAsc(UUID jobId);

  List<JobEvent> findByJobIdAndIdGreaterThanOrderByIdAsc(UUID jobId, long afterId);
}
