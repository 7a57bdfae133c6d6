package org.beear.job;

/**
 * A write of a {@link ClaimWriter} that the store refused: the claim no longer holds its job (the lease ran out and
 * the job was re-queued, or another claim took it over). Nothing was written.
 */
public class ClaimLostException extends RuntimeException {

  public ClaimLostException(JobStore.Claim claim) {
    super("worker " + claim.workerId() + " no longer holds job " + claim.jobId() + " (claim " + claim.attempt()
        + ")");
  }
}
