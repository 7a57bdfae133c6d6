package org.beear.net;

import java.net.URI;
import java.time.Duration;

/**
 * One GET for {@link HttpFetcher}.
 *
 * @param uri         what to fetch
 * @param bearerToken sent as {@code Authorization: Bearer} to the URI's own origin only, never to a redirect's
 *                    other origin (a CDN gets signed URLs, not the caller's token); null: none
 * @param rangeFrom   the first byte wanted: above 0 every hop is asked for {@code Range: bytes=rangeFrom-}, and the
 *                    caller must look at the status ({@code 206}, or {@code 200} from a server that sends it all)
 * @param timeLeft    the whole fetch's deadline, redirects included, when the caller shares one deadline among
 *                    several fetches; null: the fetcher's own download timeout
 */
public record FetchRequest(URI uri, String bearerToken, long rangeFrom, Duration timeLeft) {

  public FetchRequest {
    if (rangeFrom < 0) {
      throw new IllegalArgumentException("rangeFrom must be >= 0");
    }
  }

  public static FetchRequest of(URI uri) {
    return new FetchRequest(uri, null, 0, null);
  }

  /** Never shows the token: requests end up in exception messages and logs. */
  @Override
  public String toString() {
    return "FetchRequest[uri=" + UriRedaction.redact(String.valueOf(uri)) + ", bearerToken="
        + (bearerToken == null ? "none" : UriRedaction.MASK) + ", rangeFrom=" + rangeFrom + ", timeLeft=" + timeLeft
        + "]";
  }
}
