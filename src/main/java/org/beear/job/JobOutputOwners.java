package org.beear.job;

import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.beear.source.JobDirectoryOwners;
import org.springframework.stereotype.Component;

/** The jobs table's answer to whose a job's directories are. */
@Component
class JobOutputOwners implements JobDirectoryOwners {

  private final JobRepository jobs;

  JobOutputOwners(JobRepository jobs) {
    this.jobs = jobs;
  }

  @Override
  public Optional<String> tenantOf(UUID jobId) {
    return jobs.findTenantById(jobId).map(JobRepository.IdAndTenant::getTenant);
  }

  @Override
  public List<Owner> withOutputIn(Collection<String> outputUris) {
    return outputUris.isEmpty() ? List.of() : jobs.findByOutputUriIn(outputUris).stream()
        .map(job -> new Owner(job.getId(), job.getTenant())).toList();
  }

  @Override
  public List<String> activeOutputsStartingWith(String prefix) {
    return jobs.findByOutputUriStartingWithAndStatusIn(prefix, EnumSet.of(JobStatus.QUEUED, JobStatus.RUNNING))
        .stream().map(JobRepository.OutputLocation::getOutputUri).toList();
  }
}
