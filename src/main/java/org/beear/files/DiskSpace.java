package org.beear.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Free-space checks made before something large is written (a download, an extraction, a checkpoint, a cleansed
 * model), so a full disk is a clear refusal up front instead of a half-written file and an I/O error deep inside
 * a writer. A write may go ahead when the file system would still have {@code reserve} bytes free after it: the
 * reserve keeps room for the database, logs and whatever else shares the disk.
 *
 * <p>The engine (checkpoints, the cleansed model) reads the process-wide reserve, {@link #reserve()}: the service
 * sets it once at start-up from {@code beear.storage.min-free-space}; the command line keeps the default,
 * {@value #DEFAULT_RESERVE_BYTES} bytes (1 GiB). Callers that have their own configuration pass the reserve.
 */
public final class DiskSpace {
  public static final long DEFAULT_RESERVE_BYTES = 1L << 30;

  private static volatile long reserve = DEFAULT_RESERVE_BYTES;

  private DiskSpace() {}

  /** The process-wide reserve in bytes. */
  public static long reserve() {
    return reserve;
  }

  /** Sets the process-wide reserve (the service does, from its configuration); returns the previous one. */
  public static long setReserve(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("the free-space reserve must be zero or more, got " + bytes);
    }
    long previous = reserve;
    reserve = bytes;
    return previous;
  }

  /** {@link #require(Path, long, String, long)} with the process-wide reserve. */
  public static void require(Path dir, long neededBytes, String purpose) {
    require(dir, neededBytes, purpose, reserve);
  }

  /**
   * Checks that {@code neededBytes} can be written under {@code dir} (which need not exist yet: its nearest
   * existing ancestor's file system is asked) and leave {@code reserveBytes} free.
   *
   * @param purpose what is about to be written, for the message: "the checkpoint of epoch 2"
   * @throws InsufficientDiskSpaceException when it cannot
   */
  public static void require(Path dir, long neededBytes, String purpose, long reserveBytes) {
    long needed = Math.max(0, neededBytes);
    long free = usableBytes(dir);
    // written so that no sum can overflow: a reserve of Long.MAX_VALUE simply never fits
    if (free < reserveBytes || free - reserveBytes < needed) {
      throw new InsufficientDiskSpaceException(dir.toAbsolutePath(), purpose, needed, free, reserveBytes);
    }
  }

  /** Bytes this JVM may still write on the file system that holds {@code path} or, if absent, its nearest ancestor. */
  public static long usableBytes(Path path) {
    Path existing = path.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      throw new IllegalArgumentException("no existing directory above " + path);
    }
    try {
      return Files.getFileStore(existing).getUsableSpace();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the free space of " + existing, e);
    }
  }

  /** Total size of the regular files directly in {@code dir} whose names match the glob ({@code *.safetensors}). */
  public static long sizeOf(Path dir, String glob) {
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> matcher.matches(f.getFileName()) && Files.isRegularFile(f))
          .mapToLong(DiskSpace::size).sum();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  /** Total size of the regular files in {@code dir} and below (no links followed); 0 if it is gone. */
  public static long treeSize(Path dir) {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(DiskSpace::size).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0; // removed while we walked it: it takes no space any more
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0; // removed meanwhile
    }
  }

  /** 1536 → "1.5 KB": binary multiples, with the unit names Spring's DataSize gives them (1KB = 1024 bytes). */
  public static String format(long bytes) {
    if (bytes < 1024) {
      return bytes + " bytes";
    }
    String[] units = {"KB", "MB", "GB", "TB", "PB", "EB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, value >= 100 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  }
}
