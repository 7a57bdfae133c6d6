package org.beear.security;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Everything under {@code beear.attestation}: the Ed25519 key the workers sign cleansed models' attestations with,
 * and whose public key the API serves. Every replica of a deployment must have the same key (a Kubernetes Secret):
 * a worker signs, an API replica serves the public key to check with.
 *
 * @param signingKey     the private key as PEM text (PKCS#8, {@code openssl genpkey -algorithm ed25519}); wins over
 *                       the file
 * @param signingKeyFile a file holding that PEM (a mounted Secret); unset, and no {@code signingKey}:
 *                       {@code <data-dir>/attestation-signing.key}, created with mode 0600 on first start and kept,
 *                       right for a single node only
 */
@ConfigurationProperties("beear.attestation")
public record AttestationProperties(String signingKey, Path signingKeyFile) {

  static final String DEFAULT_FILE_NAME = "attestation-signing.key";

  @Override
  public String toString() {
    return "AttestationProperties[signingKey=" + (signingKey == null ? "unset" : "***") + ", signingKeyFile="
        + signingKeyFile + "]";
  }
}
