package org.beear.security;

/** Tenant names: what a key or a token may name as its tenant. */
public final class Tenants {
  /** Letters, digits, dot, dash and underscore, up to 64 characters, starting with a letter or digit. */
  public static final String PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

  private Tenants() {}

  public static boolean isValid(String tenant) {
    return tenant != null && tenant.matches(PATTERN);
  }
}
