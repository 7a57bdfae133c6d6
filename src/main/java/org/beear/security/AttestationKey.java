package org.beear.security;

import org.beear.app.BeearProperties;
import org.beear.attest.SigningKey;
import org.beear.attest.UnreadableKeyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The service's attestation signing key ({@link AttestationProperties}), read once at start-up: a key that cannot
 * be read stops the service with the reason rather than failing every job at its end.
 */
@Component
public class AttestationKey {
  private static final Logger log = LoggerFactory.getLogger(AttestationKey.class);

  private final SigningKey key;

  public AttestationKey(AttestationProperties attestation, BeearProperties properties) {
    this.key = load(attestation, properties);
    log.info("attestations are signed with Ed25519 key {}", key.keyId());
  }

  private static SigningKey load(AttestationProperties attestation, BeearProperties properties) {
    try {
      if (attestation.signingKey() != null && !attestation.signingKey().isBlank()) {
        return SigningKey.fromPem(attestation.signingKey(), "beear.attestation.signing-key");
      }
      if (attestation.signingKeyFile() != null) {
        return SigningKey.read(attestation.signingKeyFile());
      }
      return SigningKey.readOrCreate(properties.dataDir().resolve(AttestationProperties.DEFAULT_FILE_NAME));
    } catch (UnreadableKeyException e) {
      throw new IllegalStateException("the attestation signing key cannot be used: " + e.getMessage(), e);
    }
  }

  public SigningKey key() {
    return key;
  }
}
