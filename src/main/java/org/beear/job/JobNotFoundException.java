package org.beear.job;

/** No job with the given id (404). */
public class JobNotFoundException extends RuntimeException {
  public JobNotFoundException(String id) {
    super("no cleanse job with id '" + id + "'");
  }
}
