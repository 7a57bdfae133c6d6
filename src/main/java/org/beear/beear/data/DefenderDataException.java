package org.beear.beear.data;

/** Defender data that cannot be used; the message names the file, the line when known, and the problem. */
public final class DefenderDataException extends IllegalArgumentException {
  public DefenderDataException(String message) {
    super(message);
  }

  public DefenderDataException(String message, Throwable cause) {
    super(message, cause);
  }
}
