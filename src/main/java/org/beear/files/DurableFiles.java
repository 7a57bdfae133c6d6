package org.beear.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * File operations for publishing a directory by renaming it: what is renamed into place must already be on disk,
 * or a power cut after the rename could leave a complete-looking directory of empty files.
 */
public final class DurableFiles {
  private DurableFiles() {}

  /** fsync; on a directory this makes renames in it durable. Not every platform allows it on directories. */
  public static void force(Path path) {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // durability is best effort where the platform refuses to sync a directory
    }
  }

  /** Forces every file and directory under {@code root}, deepest first, {@code root} last. */
  public static void forceTree(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        force(p);
      }
    }
  }

  /** Writes {@code bytes} to {@code file} (a new file in a directory not yet published) and forces it. */
  public static void writeForced(Path file, byte[] bytes) throws IOException {
    Files.write(file, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    force(file);
  }

  /**
   * Replaces {@code file} with {@code bytes} so that a reader, or a restart after a crash, sees either the old
   * content or the whole new one: written to a temp file beside it, forced, renamed over it, the directory forced.
   */
  public static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    try {
      Files.write(temp, bytes);
      force(temp);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
    force(dir);
  }

  /**
   * A new, empty, hidden directory {@code .<prefix>-<random>} in {@code parent}, readable by others like any
   * directory made with the usual umask (a temp directory is owner-only, and this one becomes an output).
   */
  public static Path newHiddenDirectory(Path parent, String prefix) throws IOException {
    Files.createDirectories(parent);
    Path dir = Files.createTempDirectory(parent, "." + prefix + "-");
    try {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: keep the default permissions
    }
    return dir;
  }

  /** Deletes {@code path} and everything under it; absent is fine. */
  public static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(path)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Best-effort {@link #deleteRecursively}: for leftovers whose removal must not fail what already succeeded. */
  public static void deleteQuietly(Path path) {
    try {
      deleteRecursively(path);
    } catch (IOException | RuntimeException e) {
      // a leftover is ignored by readers and removed by the next write
    }
  }

  /** The entries of {@code dir} (none when it does not exist). */
  public static List<Path> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.sorted().toList();
    }
  }
}
