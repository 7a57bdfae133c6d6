package org.beear.net;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The status line and headers of one response of a fetch (a redirect, an error or the final success), before its
 * body is read.
 *
 * @param uri           the URI this hop requested
 * @param contentLength the declared body length, -1 when none
 * @param headers       the first value of each header, by lower-case name
 */
public record ResponseHead(URI uri, int status, long contentLength, Map<String, String> headers) {

  public ResponseHead {
    headers = Map.copyOf(headers);
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }

  public boolean redirect() {
    return status / 100 == 3;
  }
}
