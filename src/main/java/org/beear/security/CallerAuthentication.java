package org.beear.security;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** An authenticated {@link Caller}, from an API key or an OIDC token. */
public final class CallerAuthentication extends AbstractAuthenticationToken {

  private final Caller caller;

  public CallerAuthentication(Caller caller) {
    super(caller.roles().stream().map(r -> new SimpleGrantedAuthority(r.authority())).toList());
    this.caller = caller;
    setAuthenticated(true);
  }

  @Override
  public Caller getPrincipal() {
    return caller;
  }

  @Override
  public Object getCredentials() {
    return null; // the key or token is not kept past authentication
  }

  @Override
  public String getName() {
    return caller.name();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CallerAuthentication other && caller.equals(other.caller) && super.equals(o);
  }

  @Override
  public int hashCode() {
    return caller.hashCode();
  }
}
