package org.beear.job;

/** The job's state does not allow the operation, e.g. cancelling a finished job (409). */
public class JobConflictException extends RuntimeException {
  public JobConflictException(String message) {
    super(message);
  }
}
