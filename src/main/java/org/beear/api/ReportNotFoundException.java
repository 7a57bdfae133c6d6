package org.beear.api;

/** The job exists but has no report or attestation to show (yet). Answered with 404. */
class ReportNotFoundException extends RuntimeException {
  ReportNotFoundException(String message) {
    super(message);
  }
}
