package org.beear.security;

import java.net.InetAddress;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Refuses to start with security switched off unless every port the service listens on is bound to a loopback
 * address: without keys, anyone who can reach the port could submit jobs and read every tenant's results.
 */
@Component
public class LoopbackGuard {

  public LoopbackGuard(BeearSecurityProperties properties, Environment environment) {
    if (properties.enabled()) {
      return;
    }
    check("server.address", environment.getProperty("server.address"));
    String managementPort = environment.getProperty("management.server.port");
    if (managementPort != null && !managementPort.equals(environment.getProperty("server.port"))) {
      check("management.server.address", environment.getProperty("management.server.address"));
    }
  }

  private static void check(String property, String address) {
    if (!isLoopback(address)) {
      throw new InsecureBindingException("beear.security.enabled=false is allowed only when the server is bound to "
          + "a loopback address, but " + property + " is " + (address == null || address.isBlank()
              ? "unset (all interfaces)" : "'" + address + "'")
          + ". Set " + property + "=127.0.0.1 (or ::1), or leave security on.");
    }
  }

  /** Only IP literals and "localhost" are judged, so no name is ever looked up in DNS. */
  static boolean isLoopback(String address) {
    if (address == null || address.isBlank()) {
      return false;
    }
    String a = address.trim();
    if (a.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!a.matches("[0-9.]+|\\[?[0-9a-fA-F:]+]?")) {
      return false;
    }
    try {
      return InetAddress.getByName(a.replace("[", "").replace("]", "")).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** Security is off on a port others can reach. */
  public static class InsecureBindingException extends IllegalStateException {
    InsecureBindingException(String message) {
      super(message);
    }
  }
}
