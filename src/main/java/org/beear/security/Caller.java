package org.beear.security;

import java.util.Set;

/**
 * Who sent a request: an API key or a token subject, the tenant whose jobs it sees, and its roles (as granted,
 * without the ones they imply).
 */
public record Caller(String name, String tenant, Set<Role> roles) {

  /** The caller of every request while security is switched off (server bound to loopback). */
  public static Caller local(String tenant) {
    return new Caller("local", tenant, Set.of(Role.ADMIN, Role.METRICS));
  }
}
