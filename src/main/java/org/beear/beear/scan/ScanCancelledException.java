package org.beear.beear.scan;

/** Thrown by a scan that saw {@link ScanListener#cancelRequested()}. */
public class ScanCancelledException extends RuntimeException {
  public ScanCancelledException(String message) {
    super(message);
  }
}
