package org.beear.files;

import java.nio.file.Path;

/**
 * Writing something would leave less free space than the reserve on its file system; nothing was written. The
 * message names the directory; {@link #withoutDirectory()} is the same sentence without it, for API callers who
 * should not learn the server's paths.
 */
public class InsufficientDiskSpaceException extends RuntimeException {
  private final Path directory;
  private final String purpose;
  private final long neededBytes;
  private final long freeBytes;
  private final long reserveBytes;

  public InsufficientDiskSpaceException(Path directory, String purpose, long neededBytes, long freeBytes,
      long reserveBytes) {
    super("not enough free disk space in " + directory + " for " + purpose + ": " + numbers(neededBytes, freeBytes,
        reserveBytes));
    this.directory = directory;
    this.purpose = purpose;
    this.neededBytes = neededBytes;
    this.freeBytes = freeBytes;
    this.reserveBytes = reserveBytes;
  }

  /** "not enough free disk space for PURPOSE: needs ..., ... free (keeping ... in reserve)". */
  public String withoutDirectory() {
    return "not enough free disk space for " + purpose + ": " + numbers(neededBytes, freeBytes, reserveBytes);
  }

  private static String numbers(long needed, long free, long reserve) {
    return "needs " + DiskSpace.format(needed) + ", " + DiskSpace.format(free) + " free (keeping "
        + DiskSpace.format(reserve) + " in reserve)";
  }

  public Path directory() {
    return directory;
  }

  public long neededBytes() {
    return neededBytes;
  }

  public long freeBytes() {
    return freeBytes;
  }

  public long reserveBytes() {
    return reserveBytes;
  }
}
