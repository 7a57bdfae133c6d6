package org.beear.policy;

/**
 * A policy that cannot be used: not YAML, too large, an unknown key, a value of the wrong type or out of range. The
 * message is one line naming the key; the command line exits 2 with it, the API answers 400 on {@code policy.KEY}.
 */
public final class InvalidPolicyException extends IllegalArgumentException {
  private final String key;

  InvalidPolicyException(String key, String message) {
    super(message);
    this.key = key;
  }

  /** The key at fault, or null when the document as a whole is (not YAML, too large, not a mapping). */
  public String key() {
    return key;
  }
}
