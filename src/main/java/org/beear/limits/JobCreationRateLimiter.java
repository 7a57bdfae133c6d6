package org.beear.limits;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * How fast each tenant may create jobs: a Bucket4j token bucket per tenant, in this JVM's memory. Each API replica
 * therefore allows the configured rate on its own; the queued-jobs limit, counted in the database, is the one that
 * holds across replicas. Tenants are named by keys and tokens an operator issued, so the map stays small.
 */
@Component
public class JobCreationRateLimiter {

  private final LimitsProperties.JobCreationRate rate;
  private final TimeMeter time;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  public JobCreationRateLimiter(LimitsProperties limits, TimeMeter time) {
    this.rate = limits.jobCreationRate();
    this.time = time;
  }

  /**
   * Takes one job creation from the tenant's bucket.
   *
   * @throws LimitExceededException with the time until the bucket holds one again
   */
  public void acquire(String tenant) {
    ConsumptionProbe probe = bucket(tenant).tryConsumeAndReturnRemaining(1);
    if (!probe.isConsumed()) {
      throw new LimitExceededException("Job creation rate exceeded",
          "tenant '" + tenant + "' may create " + rate.jobs() + " jobs per " + describe(rate.per())
              + " (at most " + rate.burst() + " at once); try again later",
          Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }
  }

  /** Gives back a creation taken for a job that was not created after all. */
  public void giveBack(String tenant) {
    bucket(tenant).addTokens(1);
  }

  private Bucket bucket(String tenant) {
    return buckets.computeIfAbsent(tenant, t -> Bucket.builder()
        .addLimit(limit -> limit.capacity(rate.burst()).refillGreedy(rate.jobs(), rate.per()))
        .withCustomTimePrecision(time)
        .build());
  }

  private static String describe(Duration period) {
    if (period.equals(Duration.ofMinutes(1))) {
      return "minute";
    }
    if (period.equals(Duration.ofHours(1))) {
      return "hour";
    }
    return period.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
  }
}
