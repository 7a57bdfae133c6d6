package org.beear.net;

/** The fetch was stopped through its {@link FetchCancellation}. */
public class FetchCancelledException extends RuntimeException {
  public FetchCancelledException() {
    super("fetch cancelled");
  }
}
