package org.beear.net;

/**
 * A fetch answered with an error status ({@code 4xx}, {@code 5xx}): "fetch failed: HTTP 404" to the caller, with
 * the response's head for those who can tell more from it (a hub's {@code X-Error-Code}).
 */
public class FetchStatusException extends FetchFailedException {

  private final transient ResponseHead head;

  public FetchStatusException(ResponseHead head) {
    super("HTTP " + head.status(), "HTTP " + head.status() + " from " + UriRedaction.redact(head.uri().toString()));
    this.head = head;
  }

  public int status() {
    return head.status();
  }

  public ResponseHead head() {
    return head;
  }
}
