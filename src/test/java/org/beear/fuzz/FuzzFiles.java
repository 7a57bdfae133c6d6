package org.beear.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Scratch files for fuzz targets that read from disk. One directory per target and JVM, emptied between
 * executions rather than created anew: a fuzzer runs a target 100,000 times, and a fresh temp dir each time
 * would cost more than the parse.
 */
public final class FuzzFiles {

  private static final ConcurrentMap<String, Path> DIRS = new ConcurrentHashMap<>();

  private FuzzFiles() {}

  /** An empty directory owned by {@code target} for this execution; removed when the JVM exits. */
  public static Path emptyDir(String target) {
    Path dir = DIRS.computeIfAbsent(target, FuzzFiles::create);
    deleteContents(dir);
    return dir;
  }

  private static Path create(String target) {
    try {
      // bin/fuzz points this at a tmpfs when there is one: the targets that write files run several times faster
      String root = System.getProperty("beear.fuzz.scratch");
      Path dir = root == null
          ? Files.createTempDirectory("beear-fuzz-" + target + "-")
          : Files.createTempDirectory(Path.of(root), "beear-fuzz-" + target + "-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        deleteContents(dir);
        try {
          Files.deleteIfExists(dir);
        } catch (IOException ignored) {
          // best effort at exit
        }
      }));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes everything under {@code dir}; links are deleted, never followed. */
  public static void deleteContents(Path dir) {
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          if (!d.equals(dir)) {
            Files.delete(d);
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot empty fuzz scratch directory " + dir, e);
    }
  }

  /**
   * Splits an input at NUL bytes into at most {@code max} parts (the last keeps any further NULs), so one
   * fuzz input can stand for several files and stays readable as a regression file.
   */
  public static List<byte[]> parts(byte[] data, int max) {
    List<byte[]> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < data.length && parts.size() < max - 1; i++) {
      if (data[i] == 0) {
        parts.add(java.util.Arrays.copyOfRange(data, start, i));
        start = i + 1;
      }
    }
    parts.add(java.util.Arrays.copyOfRange(data, start, data.length));
    return parts;
  }

  /** The inverse of {@link #parts}: seeds are written this way. */
  public static byte[] join(String... parts) {
    return String.join("\0", parts).getBytes(StandardCharsets.UTF_8);
  }
}
