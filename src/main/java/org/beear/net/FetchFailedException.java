package org.beear.net;

/**
 * A fetch that did not work. The message is safe to show whoever gave the URI: "fetch failed: " and a reason that
 * says nothing about the network beyond the policy (a refused connection, a timeout and a reset before any response
 * read the same, so a URI cannot be used to scan ports). {@link #detail()} is for the server's log only.
 */
public class FetchFailedException extends RuntimeException {

  private final String detail;

  public FetchFailedException(String reason, String detail) {
    super("fetch failed: " + reason);
    this.detail = detail;
  }

  public String detail() {
    return detail;
  }
}
