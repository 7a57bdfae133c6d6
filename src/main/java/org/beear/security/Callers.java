package org.beear.security;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;

/** The caller of the current request, for the tenant its jobs belong to. */
@Component
public class Callers {

  private final BeearSecurityProperties properties;

  public Callers(BeearSecurityProperties properties) {
    this.properties = properties;
  }

  public Caller current() {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (authentication instanceof CallerAuthentication caller) {
      return caller.getPrincipal();
    }
    if (!properties.enabled()) {
      return Caller.local(properties.bootstrapTenant());
    }
    // The authorization rules let no unauthenticated request reach a controller that asks.
    throw new IllegalStateException("no authenticated caller");
  }

  public String tenant() {
    return current().tenant();
  }
}
