package org.beear.worker;

/** No cleanse engine is available in this process; the API answers 503 instead of an internal error. */
public class EngineUnavailableException extends IllegalStateException {
  public EngineUnavailableException(String message) {
    super(message);
  }
}
