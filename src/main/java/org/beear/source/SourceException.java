package org.beear.source;

/** A URI that cannot be used, with a message meant for the API caller (no paths beyond what they sent). */
public class SourceException extends RuntimeException {
  public SourceException(String message) {
    super(message);
  }

  public SourceException(String message, Throwable cause) {
    super(message, cause);
  }
}
