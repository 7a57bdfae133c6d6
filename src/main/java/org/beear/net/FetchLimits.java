package org.beear.net;

import java.time.Duration;

/**
 * Bounds on one fetch.
 *
 * @param connectTimeout establishing one TCP (and TLS) connection
 * @param readTimeout    the longest silence while waiting for a response or for the next bytes of a body
 * @param totalTimeout   the whole fetch, redirects included; a body that trickles in never outlives it
 * @param maxRedirects   redirects followed before giving up
 * @param maxBytes       the largest body accepted
 */
public record FetchLimits(Duration connectTimeout, Duration readTimeout, Duration totalTimeout, int maxRedirects,
    long maxBytes) {

  public FetchLimits {
    if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()
        || totalTimeout.isNegative() || totalTimeout.isZero()) {
      throw new IllegalArgumentException("fetch timeouts must be positive");
    }
    if (maxRedirects < 0 || maxBytes <= 0) {
      throw new IllegalArgumentException("max redirects must be >= 0 and the size cap positive");
    }
  }
}
