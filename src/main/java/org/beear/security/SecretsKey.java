package org.beear.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

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

  /**
   * Writes a fresh key next to its final name with mode 0600, then links it into place: the link fails if another
   * process got there first, and then both use that one.
   */
  private static void generate(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    byte[] key = new byte[BYTES];
    new SecureRandom().nextBytes(key);
    Path temp = file.resolveSibling(FILE_NAME + "." + UUID.randomUUID() + ".tmp");
    try {
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(temp);
      }
      Files.writeString(temp, Base64.getEncoder().encodeToString(key) + "\n", StandardCharsets.US_ASCII);
      try {
        Files.createLink(file, temp);
      } catch (FileAlreadyExistsException raced) {
        // another process generated it first; use theirs
      } catch (UnsupportedOperationException noLinks) {
        Files.move(temp, file);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
