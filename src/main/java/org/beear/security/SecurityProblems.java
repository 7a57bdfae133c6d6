package org.beear.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * 401 and 403 as RFC 7807 problems, like every other error of the API. A 401 carries
 * {@code WWW-Authenticate: Bearer}, with {@code error="invalid_token"} when a key or token was sent but refused.
 */
final class SecurityProblems implements AuthenticationEntryPoint, AccessDeniedHandler {

  private final ObjectMapper mapper;

  SecurityProblems(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  @Override
  public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
      throws IOException {
    boolean presented = e instanceof InvalidApiKeyException || e instanceof OAuth2AuthenticationException;
    String detail = presented ? e.getMessage()
        : "this endpoint needs an API key (Authorization: Bearer bk_..., or X-API-Key) or an OIDC bearer token";
    response.setHeader(HttpHeaders.WWW_AUTHENTICATE, presented
        ? "Bearer realm=\"beear\", error=\"invalid_token\", error_description=\"" + quoted(detail) + "\""
        : "Bearer realm=\"beear\"");
    write(request, response, HttpStatus.UNAUTHORIZED, "Unauthorized", detail);
  }

  @Override
  public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
      throws IOException {
    write(request, response, HttpStatus.FORBIDDEN, "Forbidden",
        "the caller's role does not allow " + request.getMethod() + " " + request.getRequestURI()
            + " (read < submit < admin; the actuator needs metrics)");
  }

  private void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String title,
      String detail) throws IOException {
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", "about:blank");
    problem.put("title", title);
    problem.put("status", status.value());
    problem.put("detail", detail);
    problem.put("instance", request.getRequestURI());
    response.setStatus(status.value());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    mapper.writeValue(response.getOutputStream(), problem);
  }

  private static String quoted(String s) {
    return s.replace("\\", "\\\\").replace("\"", "'");
  }
}
