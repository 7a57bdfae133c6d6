package org.beear.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.beear.security.AttestationKey;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The public half of the key the service signs attestations with, to check them with ({@code beear verify}). */
@RestController
@Tag(name = "attestations")
public class AttestationKeyController {

  static final String PATH = "/api/v1/attestation-key";
  static final String PEM = "application/x-pem-file";
  /** The key's id as the envelopes' signatures name it: hex SHA-256 of the public key's DER. */
  static final String KEY_ID_HEADER = "Key-Id";

  private final AttestationKey key;

  public AttestationKeyController(AttestationKey key) {
    this.key = key;
  }

  @Operation(summary = "The Ed25519 public key attestations are signed with (PEM, X.509 SubjectPublicKeyInfo)",
      description = "Save it and check a job's attestation with beear verify --attestation FILE --model DIR "
          + "--public-key FILE. The Key-Id header is the keyid the envelopes' signatures carry: the hex SHA-256 of "
          + "the key's DER encoding.")
  @GetMapping(path = PATH, produces = {PEM, "text/plain"})
  public ResponseEntity<String> publicKey() {
    return ResponseEntity.ok().header(KEY_ID_HEADER, key.key().keyId()).body(key.key().publicPem());
  }
}
