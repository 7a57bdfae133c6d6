package org.beear.api;

/**
 * The job succeeded but its report could not be read from its output location (an S3 endpoint that does not answer,
 * a report that is not JSON). Answered with 502: the service is fine, what it depends on is not.
 */
class ReportUnavailableException extends RuntimeException {
  ReportUnavailableException(String message) {
    super(message);
  }
}
