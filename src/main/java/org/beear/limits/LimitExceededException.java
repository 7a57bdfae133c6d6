package org.beear.limits;

import java.time.Duration;

/**
 * A tenant asked for more than its share (job creations, queued jobs, event streams): answered 429 with
 * {@code Retry-After}. Nothing was created or stored on the way.
 */
public class LimitExceededException extends RuntimeException {

  private final String title;
  private final Duration retryAfter;

  public LimitExceededException(String title, String detail, Duration retryAfter) {
    super(detail);
    this.title = title;
    this.retryAfter = retryAfter;
  }

  public String title() {
    return title;
  }

  /** When trying again may succeed, in whole seconds and at least one (the unit of {@code Retry-After}). */
  public long retryAfterSeconds() {
    long nanos = retryAfter.toNanos();
    long seconds = nanos / 1_000_000_000L + (nanos % 1_000_000_000L == 0 ? 0 : 1);
    return Math.max(1, seconds);
  }
}
