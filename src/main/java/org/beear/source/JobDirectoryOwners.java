package org.beear.source;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Whose jobs' directories are whose: the jobs table's answer, for {@link AllowedRoots}. A job's output directory
 * (and its directory under {@code <data-dir>/outputs}) belongs to the job's tenant.
 */
public interface JobDirectoryOwners {

  /** A job that owns an output location. */
  record Owner(UUID jobId, String tenant) {}

  /** The tenant of the job with this id, if there is one. */
  Optional<String> tenantOf(UUID jobId);

  /** The jobs, of any status, whose {@code output_uri} is one of these. */
  List<Owner> withOutputIn(Collection<String> outputUris);

  /** The {@code output_uri}s of queued or running jobs that start with this prefix. */
  List<String> activeOutputsStartingWith(String prefix);
}
