package org.beear.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** SHA-256 digests of files, for provenance: what a job read and what it wrote. */
public final class FileDigests {

  private FileDigests() {}

  /**
   * The digests of the regular files under {@code dir} whose relative path {@code include} accepts, sorted by
   * path. Links are not followed, so nothing outside {@code dir} is read (a model directory may hold none:
   * {@link PlainFiles}).
   *
   * @param cancelled asked between reads; a large model takes a while to hash
   * @throws CancellationException when {@code cancelled} said so
   */
  public static List<FileDigest> of(Path dir, Predicate<String> include, BooleanSupplier cancelled) {
    List<FileDigest> digests = new ArrayList<>();
    try (Stream<Path> tree = Files.walk(dir)) {
      for (Path file : tree.filter(file -> Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)).toList()) {
        String relative = dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
        if (include.test(relative)) {
          digests.add(new FileDigest(relative, sha256(file, cancelled), Files.size(file)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot hash the files of " + dir + ": " + e.getMessage(), e);
    }
    digests.sort(Comparator.comparing(FileDigest::path));
    return List.copyOf(digests);
  }

  public static String sha256(Path file) throws IOException {
    return sha256(file, () -> false);
  }

  private static String sha256(Path file, BooleanSupplier cancelled) throws IOException {
    MessageDigest digest = sha256();
    byte[] buffer = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        if (cancelled.getAsBoolean()) {
          throw new CancellationException("hashing " + file.getFileName() + " was cancelled");
        }
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** A fresh SHA-256 digest (every JVM has one). */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
