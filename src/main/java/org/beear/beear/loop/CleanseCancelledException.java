package org.beear.beear.loop;

/** Thrown by a cleanse that saw {@link CleanseListener#cancelRequested()}. Nothing is written to the output. */
public class CleanseCancelledException extends RuntimeException {
  public CleanseCancelledException(String message) {
    super(message);
  }
}
