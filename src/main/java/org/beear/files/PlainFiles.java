package org.beear.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A model directory holds plain files only. A symbolic link in it could point anywhere on the machine (a key file,
 * another tenant's output), and a FIFO or device would block or feed a reader forever; none of them is followed or
 * read. One rule for the service's {@code file://} models and the engine alike.
 */
public final class PlainFiles {

  private PlainFiles() {}

  /**
   * What is wrong with the first entry directly inside {@code dir} (by name) that is a symbolic link, or neither a
   * regular file nor a directory; empty when there is none.
   *
   * @return e.g. {@code "tokenizer.json is a symbolic link; a model directory may hold only regular files (...)"}
   */
  public static Optional<String> firstNonPlainEntry(Path dir) {
    TreeMap<String, String> found = new TreeMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        BasicFileAttributes attributes =
            Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attributes.isSymbolicLink()) {
          found.put(entry.getFileName().toString(), "is a symbolic link");
        } else if (attributes.isOther()) {
          found.put(entry.getFileName().toString(), "is not a regular file");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir.getFileName(), e);
    }
    return found.isEmpty() ? Optional.empty()
        : Optional.of(found.firstKey() + " " + found.firstEntry().getValue() + "; a model directory may hold only "
            + "regular files (links are not followed: copy the files in, e.g. with cp -L)");
  }
}
