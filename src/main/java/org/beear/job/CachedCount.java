package org.beear.job;

import java.time.Duration;
import java.util.function.LongSupplier;

/** A count read from the database at most once per period, so frequent scrapes cost one cheap query. */
final class CachedCount {

  private final LongSupplier source;
  private final long periodNanos;
  private long readAt;
  private double value = Double.NaN;

  CachedCount(LongSupplier source, Duration period) {
    this.source = source;
    this.periodNanos = period.toNanos();
  }

  synchronized double get() {
    long now = System.nanoTime();
    if (Double.isNaN(value) || now - readAt >= periodNanos) {
      try {
        value = source.getAsLong();
        readAt = now;
      } catch (RuntimeException e) {
        // The database is unreachable: report "unknown" rather than failing the whole scrape.
        return Double.NaN;
      }
    }
    return value;
  }
}
