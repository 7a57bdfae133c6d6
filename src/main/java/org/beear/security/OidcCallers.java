package org.beear.security;

import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;

/** OIDC bearer tokens: their checks (signature, issuer, audience, lifetime) and the caller they stand for. */
final class OidcCallers implements Converter<Jwt, CallerAuthentication> {

  private final BeearSecurityProperties.Oidc oidc;

  OidcCallers(BeearSecurityProperties.Oidc oidc) {
    this.oidc = oidc;
  }

  /** Keys from the JWK set URI; issuer always checked, audience when one is configured. */
  JwtDecoder decoder() {
    NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(oidc.jwkSetUri()).build();
    OAuth2TokenValidator<Jwt> validator = JwtValidators.createDefaultWithIssuer(oidc.issuer());
    if (oidc.audience() != null && !oidc.audience().isBlank()) {
      validator = new DelegatingOAuth2TokenValidator<>(validator, new JwtClaimValidator<List<String>>(
          JwtClaimNames.AUD, aud -> aud != null && aud.contains(oidc.audience())));
    }
    decoder.setJwtValidator(validator);
    return decoder;
  }

  @Override
  public CallerAuthentication convert(Jwt jwt) {
    String tenant = jwt.getClaimAsString(oidc.tenantClaim());
    if (!Tenants.isValid(tenant)) {
      throw new InvalidBearerTokenException("the token has no valid '" + oidc.tenantClaim() + "' claim (the tenant)");
    }
    String subject = Optional.ofNullable(jwt.getSubject()).orElse("unknown");
    return new CallerAuthentication(new Caller("oidc:" + subject, tenant, roles(jwt.getClaim(oidc.rolesClaim()))));
  }

  /** Known role names from a list claim or a space- or comma-separated string; others are ignored. */
  static Set<Role> roles(Object claim) {
    Collection<?> names = claim instanceof Collection<?> c ? c
        : claim instanceof String s ? Arrays.asList(s.split("[\\s,]+")) : List.of();
    Set<Role> roles = EnumSet.noneOf(Role.class);
    for (Object name : names) {
      Role.fromWireName(String.valueOf(name)).ifPresent(roles::add);
    }
    return roles;
  }
}
