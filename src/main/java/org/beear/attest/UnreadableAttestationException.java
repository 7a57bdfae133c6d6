package org.beear.attest;

/** An attestation file that cannot be read as a DSSE envelope at all (as opposed to one that fails verification). */
public class UnreadableAttestationException extends IllegalArgumentException {
  public UnreadableAttestationException(String message) {
    super(message);
  }
}
