package org.beear.security;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.StringUtils;
import org.springframework.validation.annotation.Validated;

/**
 * Everything under {@code beear.security}: who may call the service and how jobs are kept apart.
 *
 * @param enabled          false serves every request without a key; allowed only when the server is bound to a
 *                         loopback address (see {@link LoopbackGuard})
 * @param bootstrapKeyFile where the generated bootstrap admin key is written (mode 0600); unset:
 *                         {@code <beear.data-dir>/admin.key}
 * @param bootstrapKey     an admin key to ensure exists instead of generating one (a deployment's Secret)
 * @param generateBootstrapKey false: this process never mints a bootstrap admin key (worker-only replicas: an admin
 *                         key written to a worker's data dir would be one nobody asked for, readable where jobs run)
 * @param metricsKey       a key with the metrics role to ensure exists (the Prometheus scrape key, from a Secret)
 * @param bootstrapTenant  tenant of the bootstrap and metrics keys, and of every job while security is off
 * @param idempotencyTtl   how long an Idempotency-Key returns the job it first created
 */
@Validated
@ConfigurationProperties("beear.security")
public record BeearSecurityProperties(
    @DefaultValue("true") boolean enabled,
    Path bootstrapKeyFile,
    String bootstrapKey,
    @DefaultValue("true") boolean generateBootstrapKey,
    String metricsKey,
    @NotNull @Pattern(regexp = Tenants.PATTERN) @DefaultValue("default") String bootstrapTenant,
    @NotNull @DefaultValue("24h") Duration idempotencyTtl,
    @Valid @NotNull @DefaultValue Oidc oidc) {

  /**
   * Bearer tokens from an OpenID Connect provider, checked against its published keys. On only when both
   * {@code issuer} and {@code jwkSetUri} are set; the provider is never asked for its discovery document.
   *
   * @param issuer      the {@code iss} every token must carry
   * @param jwkSetUri   where the provider's signing keys are fetched from
   * @param audience    an {@code aud} every token must contain; unset: not checked
   * @param tenantClaim the claim naming the caller's tenant (required in every token)
   * @param rolesClaim  the claim listing the caller's roles (a list, or a space- or comma-separated string)
   */
  public record Oidc(
      String issuer,
      String jwkSetUri,
      String audience,
      @NotBlank @DefaultValue("tenant") String tenantClaim,
      @NotBlank @DefaultValue("roles") String rolesClaim) {

    public boolean enabled() {
      return StringUtils.hasText(issuer) && StringUtils.hasText(jwkSetUri);
    }
  }

  /** The configured bootstrap key file, or {@code admin.key} in the data directory. */
  public Path bootstrapKeyFile(Path dataDir) {
    return bootstrapKeyFile != null ? bootstrapKeyFile : dataDir.resolve("admin.key");
  }
}
