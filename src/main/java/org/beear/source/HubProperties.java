package org.beear.source;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Everything under {@code beear.sources.hub}: the Hugging Face Hub (or a mirror, or a self-hosted hub speaking its
 * HTTP protocol) that {@code hf://} model URIs are fetched from. Downloads obey {@code beear.sources.*} as
 * {@code http(s)://} models do: the egress policy (for the endpoint and every redirect), timeouts, size cap.
 *
 * @param endpoint the hub's base URL, e.g. {@code https://huggingface.co} or {@code https://hub.internal/}; no
 *                 credentials or query in it
 * @param token    an access token for private and gated models, sent as {@code Authorization: Bearer} to the
 *                 endpoint's origin only (never to the CDN it redirects to); never logged or stored. Unset: public
 *                 models only
 */
@Validated
@ConfigurationProperties("beear.sources.hub")
public record HubProperties(
    @NotNull @Pattern(regexp = "https?://[^/?#@\\s]+(/[^?#\\s]*)?", message = "must be an http(s) URL without"
        + " credentials, query or fragment") @DefaultValue("https://huggingface.co") String endpoint,
    String token) {

  public HubProperties {
    token = token == null || token.isBlank() ? null : token.trim();
  }

  /**
   * Whether the token can go into a header: printable ASCII without spaces. Checked where it is used rather than
   * by validation, whose error would print the value.
   */
  boolean tokenIsWellFormed() {
    return token == null || token.chars().allMatch(c -> c > 0x20 && c < 0x7f);
  }

  /** The endpoint without a trailing slash, so paths can be appended. */
  public URI endpointUri() {
    String e = endpoint.trim();
    while (e.endsWith("/")) {
      e = e.substring(0, e.length() - 1);
    }
    return URI.create(e);
  }

  /** Never shows the token: configuration gets logged and dumped. */
  @Override
  public String toString() {
    return "HubProperties[endpoint=" + endpoint + ", token=" + (token == null ? "unset" : "***") + "]";
  }
}
