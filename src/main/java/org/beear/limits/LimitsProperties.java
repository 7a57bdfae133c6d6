package org.beear.limits;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Everything under {@code beear.limits}: how much one request and one tenant may ask of the service. The request
 * line and headers are limited by {@code server.max-http-request-header-size} (Tomcat) instead.
 *
 * @param maxRequestBody            bytes of one request body, counted as they arrive (chunked bodies too)
 * @param maxUriLength              characters of each URI in a job (model, output, defender and anchoring data)
 * @param maxTriggersPerJob         evaluation triggers of one job
 * @param jobCreationRate           jobs a tenant may create per period, with a burst; in memory, per API replica
 * @param maxQueuedJobsPerTenant    a tenant's jobs queued or running at once, counted in the database
 * @param maxEventStreamsPerTenant  a tenant's open event streams (SSE); in memory, per API replica
 */
@Validated
@ConfigurationProperties("beear.limits")
public record LimitsProperties(
    @NotNull @DefaultValue("1MB") DataSize maxRequestBody,
    @Min(64) @DefaultValue("4096") int maxUriLength,
    @Min(0) @DefaultValue("16") int maxTriggersPerJob,
    @Valid @NotNull @DefaultValue JobCreationRate jobCreationRate,
    @Min(1) @DefaultValue("50") int maxQueuedJobsPerTenant,
    @Min(1) @DefaultValue("8") int maxEventStreamsPerTenant) {

  /**
   * A token bucket per tenant: it holds up to {@code burst} job creations and refills smoothly with {@code jobs}
   * every {@code per}. The defaults let a script submit 10 jobs at once and then one every two seconds.
   *
   * @param jobs  creations refilled every {@code per}
   * @param per   the refill period
   * @param burst creations a tenant that has been quiet may make at once
   */
  public record JobCreationRate(
      @Min(1) @DefaultValue("30") long jobs,
      @NotNull @DurationMin(millis = 1) @DefaultValue("1m") Duration per,
      @Min(1) @DefaultValue("10") long burst) {}

  /** The body limit as people write it: "1 MiB", "512 KiB", "1000 bytes". */
  public String maxRequestBodyText() {
    long bytes = maxRequestBody.toBytes();
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
      return bytes / (1024 * 1024) + " MiB";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return bytes / 1024 + " KiB";
    }
    return bytes + " bytes";
  }
}
