package org.beear.files;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;

/** Key files: readable and writable by their owner only (0600), and never readable by others, not even briefly. */
public final class OwnerOnlyFiles {
  private OwnerOnlyFiles() {}

  /**
   * Creates {@code file} with {@code content} unless it exists: written next to its final name with mode 0600,
   * forced, then linked into place. The link fails if another process got there first, and then both use that
   * one: a key is created once.
   *
   * @return true when this call created the file
   */
  public static boolean createOnce(Path file, byte[] content) throws IOException {
    if (Files.exists(file)) {
      return false;
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = dir.resolve(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(temp);
      }
      Files.write(temp, content);
      DurableFiles.force(temp);
      try {
        Files.createLink(file, temp);
        return true;
      } catch (FileAlreadyExistsException raced) {
        return false; // another process created it first; use theirs
      } catch (UnsupportedOperationException noLinks) {
        Files.move(temp, file);
        return true;
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
