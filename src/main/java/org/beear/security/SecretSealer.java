package org.beear.security;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.beear.app.BeearProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Seals secrets (URIs with credentials or signed queries) for the database with AES-256-GCM. Each sealed value is
 * bound to a context (e.g. the job and column it belongs to), so it cannot be copied into another row and opened
 * there. Format: {@code v1:} then base64 of a 12-byte random nonce followed by ciphertext and tag.
 */
@Component
public class SecretSealer {

  private static final String PREFIX = "v1:";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKey key;
  private final SecretKey fingerprintKey;
  private final SecureRandom random = new SecureRandom();

  @Autowired
  public SecretSealer(BeearProperties properties) {
    this(SecretsKey.load(properties.security().secretsKey(), properties.dataDir()));
  }

  SecretSealer(SecretKey key) {
    this.key = key;
    // a separate key for fingerprints, so a digest never reuses the encryption key directly
    this.fingerprintKey = new SecretKeySpec(hmac(key, "beear fingerprint key"), "HmacSHA256");
  }

  public String seal(String secret, String context) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
      return PREFIX + Base64.getEncoder().encodeToString(
          ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("sealing failed", e);
    }
  }

  /** @throws IllegalStateException when the value was sealed with another key or for another context */
  public String open(String sealed, String context) {
    if (sealed == null || !sealed.startsWith(PREFIX)) {
      throw new IllegalStateException("not a sealed value");
    }
    try {
      byte[] all = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      return new String(cipher.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException("a sealed secret cannot be opened: the secrets key changed, or the value was"
          + " tampered with");
    }
  }

  /** A keyed digest (HMAC-SHA256, hex) for comparing texts that hold secrets without storing a guessable hash. */
  public String fingerprint(String text) {
    return java.util.HexFormat.of().formatHex(hmac(fingerprintKey, text));
  }

  private static byte[] hmac(SecretKey key, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
      return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
