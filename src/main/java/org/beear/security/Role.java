package org.beear.security;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a caller may do. {@code read ⊂ submit ⊂ admin} (see {@link SecurityConfiguration#roleHierarchy()});
 * {@code metrics} stands apart and opens only the actuator endpoints beyond health.
 */
public enum Role {
  READ, SUBMIT, ADMIN, METRICS;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The Spring Security authority, as {@code hasRole(...)} expects it. */
  public String authority() {
    return "ROLE_" + name();
  }

  public static Optional<Role> fromWireName(String name) {
    return Arrays.stream(values()).filter(r -> r.wireName().equalsIgnoreCase(name == null ? "" : name.trim()))
        .findFirst();
  }

  public static String wireNames() {
    return Arrays.stream(values()).map(Role::wireName).collect(Collectors.joining(", "));
  }
}
