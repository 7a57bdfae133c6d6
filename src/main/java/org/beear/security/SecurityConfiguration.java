package org.beear.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.DispatcherType;
import org.springframework.boot.actuate.autoconfigure.security.servlet.EndpointRequest;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;

/**
 * Who may call what. Health probes and the API description are open; the actuator's other endpoints need the
 * metrics role; the API needs read (GET), submit (create, cancel, plan) or admin (keys). Jobs are further scoped
 * by tenant in {@link org.beear.job.JobService}. Requests are stateless: no session, so no CSRF exposure.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

  private static final String[] OPEN_DOCS = {"/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**"};

  @Bean
  static RoleHierarchy roleHierarchy() {
    return RoleHierarchyImpl.fromHierarchy(Role.ADMIN.authority() + " > " + Role.SUBMIT.authority() + "\n"
        + Role.SUBMIT.authority() + " > " + Role.READ.authority());
  }

  @Bean
  SecurityFilterChain apiSecurity(HttpSecurity http, BeearSecurityProperties properties, LoopbackGuard guard,
      ApiKeys keys, ObjectMapper mapper) throws Exception {
    http.csrf(AbstractHttpConfigurer::disable)
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .httpBasic(AbstractHttpConfigurer::disable)
        .formLogin(AbstractHttpConfigurer::disable)
        .logout(AbstractHttpConfigurer::disable)
        .requestCache(AbstractHttpConfigurer::disable);
    if (!properties.enabled()) {
      // LoopbackGuard has made sure that only this machine can reach the server.
      return http.authorizeHttpRequests(a -> a.anyRequest().permitAll()).build();
    }
    SecurityProblems problems = new SecurityProblems(mapper);
    http.exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems))
        .addFilterBefore(new ApiKeyAuthenticationFilter(keys, problems), AnonymousAuthenticationFilter.class);
    if (properties.oidc().enabled()) {
      OidcCallers callers = new OidcCallers(properties.oidc());
      http.oauth2ResourceServer(o -> o
          .bearerTokenResolver(jwtsOnly())
          .authenticationEntryPoint(problems)
          .accessDeniedHandler(problems)
          .jwt(jwt -> jwt.decoder(callers.decoder()).jwtAuthenticationConverter(callers)));
    }
    http.authorizeHttpRequests(a -> a
        // the async and error dispatches of a request that was already let through
        .dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR).permitAll()
        .requestMatchers(EndpointRequest.to(HealthEndpoint.class)).permitAll()
        .requestMatchers("/livez", "/readyz").permitAll()
        .requestMatchers(EndpointRequest.toAnyEndpoint()).hasRole(Role.METRICS.name())
        .requestMatchers(OPEN_DOCS).permitAll()
        .requestMatchers("/api/v1/keys", "/api/v1/keys/**").hasRole(Role.ADMIN.name())
        .requestMatchers(HttpMethod.POST, "/api/v1/cleanse-jobs", "/api/v1/cleanse-jobs/*/cancel",
            "/api/v1/scan-jobs", "/api/v1/scan-jobs/*/cancel", "/api/v1/plans")
        .hasRole(Role.SUBMIT.name())
        .anyRequest().hasRole(Role.READ.name()));
    return http.build();
  }

  /** API keys also travel as bearer tokens; only the others are JWTs for the resource server. */
  private static BearerTokenResolver jwtsOnly() {
    DefaultBearerTokenResolver resolver = new DefaultBearerTokenResolver();
    return request -> {
      if (ApiKeyAuthenticationFilter.presentedKey(request) != null) {
        return null;
      }
      return resolver.resolve(request);
    };
  }
}
