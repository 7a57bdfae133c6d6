package org.beear.source;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import org.beear.files.DiskSpace;

/**
 * Checks the disk again every {@value #CHECK_BYTES} bytes written: a body of undeclared (or understated) length
 * was only checked for the reserve before it started.
 */
final class SpaceCheckingOutputStream extends FilterOutputStream {

  /** A download checks the disk again after this many bytes. */
  static final long CHECK_BYTES = 64L << 20;

  private final Path dir;
  private final String purpose;
  private final long reserve;
  private long sinceCheck;

  SpaceCheckingOutputStream(OutputStream out, Path dir, String purpose, long reserve) {
    super(out);
    this.dir = dir;
    this.purpose = purpose;
    this.reserve = reserve;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    sinceCheck += len;
    if (sinceCheck >= CHECK_BYTES) {
      sinceCheck = 0;
      DiskSpace.require(dir, CHECK_BYTES, purpose, reserve);
    }
    out.write(b, off, len);
  }
}
