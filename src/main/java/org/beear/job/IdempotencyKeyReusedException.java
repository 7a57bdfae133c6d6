package org.beear.job;

/**
 * An {@code Idempotency-Key} sent again with a different request body. Answered with 422, as the IETF
 * Idempotency-Key draft recommends for a key reused on a different payload.
 */
public class IdempotencyKeyReusedException extends RuntimeException {
  public IdempotencyKeyReusedException(String key, String existingJobId) {
    super("Idempotency-Key '" + key + "' was already used for job " + existingJobId
        + " with a different request body");
  }
}
