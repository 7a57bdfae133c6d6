package org.beear.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.beear.files.OwnerOnlyFiles;

/**
 * The AES-256 key that seals secrets at rest: {@code beear.security.secrets-key} (base64 of 32 bytes) when set,
 * else {@code <data-dir>/secrets.key}, generated on first use with owner-only permissions. Replicas that share a
 * database must share the key (set the property); a key file is only right for a single node.
 */
public final class SecretsKey {

  static final String FILE_NAME = "secrets.key";
  private static final int BYTES = 32;

  private SecretsKey() {}

  public static SecretKey load(String configured, Path dataDir) {
    if (configured != null && !configured.isBlank()) {
      return decode(configured.trim(), "beear.security.secrets-key");
    }
    Path file = dataDir.resolve(FILE_NAME);
    try {
      if (!Files.exists(file)) {
        generate(file);
      }
      return decode(Files.readString(file, StandardCharsets.US_ASCII).trim(), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the secrets key " + file, e);
    }
  }

  private static SecretKey decode(String base64, String where) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(where + " is not base64");
    }
    if (key.length != BYTES) {
      throw new IllegalStateException(where + " must hold 32 bytes (base64), not " + key.length);
    }
    return new SecretKeySpec(key, "AES");
  }

  /** A fresh key, created once with owner-only permissions ({@link OwnerOnlyFiles#createOnce}). */
  private static void generate(Path file) throws IOException {
    byte[] key = new byte[BYTES];
    new SecureRandom().nextBytes(key);
    OwnerOnlyFiles.createOnce(file,
        (Base64.getEncoder().encodeToString(key) + "\n").getBytes(StandardCharsets.US_ASCII));
  }
}
