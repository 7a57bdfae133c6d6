package org.beear.attest;

/** A key file or setting that is missing, not PEM, or not an Ed25519 key of the expected kind. */
public class UnreadableKeyException extends IllegalArgumentException {
  public UnreadableKeyException(String message) {
    super(message);
  }
}
