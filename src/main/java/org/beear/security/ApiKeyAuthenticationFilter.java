package org.beear.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code X-API-Key: bk_...} and {@code Authorization: Bearer bk_...}. Other bearer tokens (JWTs) are
 * left to the OIDC resource server; a request without either goes on anonymous, and the authorization rules decide.
 * A key that is presented but unknown or revoked is answered 401 at once.
 */
final class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

  static final String HEADER = "X-API-Key";
  private static final String BEARER = "Bearer ";

  private final ApiKeys keys;
  private final AuthenticationEntryPoint entryPoint;
  private final SecurityContextRepository contexts = new RequestAttributeSecurityContextRepository();

  ApiKeyAuthenticationFilter(ApiKeys keys, AuthenticationEntryPoint entryPoint) {
    this.keys = keys;
    this.entryPoint = entryPoint;
  }

  /** The API key of the request, if it has one. */
  static String presentedKey(HttpServletRequest request) {
    String header = request.getHeader(HEADER);
    if (header != null && !header.isBlank()) {
      return header.trim();
    }
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      String token = authorization.substring(BEARER.length()).trim();
      if (token.startsWith(ApiKeys.PREFIX)) {
        return token;
      }
    }
    return null;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String key = presentedKey(request);
    if (key == null) {
      chain.doFilter(request, response);
      return;
    }
    Optional<Caller> caller = keys.authenticate(key);
    if (caller.isEmpty()) {
      SecurityContextHolder.clearContext();
      entryPoint.commence(request, response, new InvalidApiKeyException());
      return;
    }
    SecurityContext context = SecurityContextHolder.createEmptyContext();
    context.setAuthentication(new CallerAuthentication(caller.get()));
    SecurityContextHolder.setContext(context);
    contexts.saveContext(context, request, response);
    chain.doFilter(request, response);
  }
}
