package org.beear.source;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Unpacks a model archive ({@code .tar.gz}/{@code .tgz} or {@code .zip}, told apart by their magic bytes) into a
 * directory. Entries that would land outside it ("zip slip") and links are refused: a model is plain files.
 */
final class ArchiveExtractor {

  private ArchiveExtractor() {}

  static void extract(Path archive, Path target) throws IOException {
    Files.createDirectories(target);
    try (InputStream in = new BufferedInputStream(Files.newInputStream(archive))) {
      in.mark(4);
      int b0 = in.read();
      int b1 = in.read();
      in.reset();
      if (b0 == 0x1f && b1 == 0x8b) {
        untar(new GZIPInputStream(in, 1 << 16), target);
      } else if (b0 == 'P' && b1 == 'K') {
        unzip(in, target);
      } else {
        throw new SourceException("the download is neither a .tar.gz nor a .zip archive");
      }
    } catch (ZipException | EOFException e) {
      // a corrupt or cut-off archive is the download's fault, not a failure to store it: say so
      throw new SourceException("the archive is corrupt or truncated"
          + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
    }
  }

  private static void unzip(InputStream in, Path target) throws IOException {
    try (ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry entry; (entry = nextEntry(zip)) != null; ) {
        Path dest = inside(target, entry.getName());
        if (entry.isDirectory()) {
          Files.createDirectories(dest);
        } else {
          Files.createDirectories(dest.getParent());
          Files.copy(zip, dest, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /** ZipInputStream reports an entry name that is not UTF-8 with a bare IllegalArgumentException("malformed input"). */
  private static ZipEntry nextEntry(ZipInputStream zip) throws IOException {
    try {
      return zip.getNextEntry();
    } catch (IllegalArgumentException e) {
      throw new SourceException("the zip archive has an entry name that is not valid UTF-8", e);
    }
  }

  /** A ustar reader: 512-byte headers, octal sizes, GNU long names ('L') and pax paths ('x'). */
  private static void untar(InputStream in, Path target) throws IOException {
    byte[] header = new byte[512];
    String longName = null;
    while (true) {
      if (!readFully(in, header)) {
        return;
      }
      if (isZeros(header)) {
        return; // end-of-archive marker
      }
      String name = text(header, 0, 100);
      String prefix = text(header, 345, 155);
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
      long size = octal(header, 124, 12);
      char type = (char) header[156];
      if (longName != null) {
        name = longName;
        longName = null;
      }
      switch (type) {
        case 'L' -> longName = new String(readBytes(in, size), StandardCharsets.UTF_8).replace("\0", "");
        case 'x' -> longName = paxPath(new String(readBytes(in, size), StandardCharsets.UTF_8));
        case 'g' -> readBytes(in, size);
        case '5' -> Files.createDirectories(inside(target, name));
        case '0', '\0', '7' -> {
          Path dest = inside(target, name);
          Files.createDirectories(dest.getParent());
          Files.copy(new BoundedInputStream(in, size), dest, StandardCopyOption.REPLACE_EXISTING);
          in.skipNBytes(padding(size));
        }
        default -> throw new SourceException("the archive holds a link or special file ('" + name
            + "'); a model archive must contain plain files only");
      }
      if (type == 'L' || type == 'x' || type == 'g') {
        in.skipNBytes(padding(size));
      }
    }
  }

  private static String paxPath(String records) {
    for (String line : records.split("\n")) {
      int space = line.indexOf(' ');
      if (space > 0 && line.startsWith("path=", space + 1)) {
        return line.substring(space + 1 + "path=".length());
      }
    }
    return null;
  }

  private static Path inside(Path target, String name) {
    Path dest;
    try {
      dest = target.resolve(name).normalize();
    } catch (InvalidPathException e) {
      throw new SourceException("the archive entry '" + name.replace("\0", "\\0") + "' is not a valid file name");
    }
    if (!dest.startsWith(target) || name.startsWith("/")) {
      throw new SourceException("the archive entry '" + name + "' would be written outside its directory");
    }
    return dest;
  }

  private static long padding(long size) {
    return (512 - size % 512) % 512;
  }

  private static boolean readFully(InputStream in, byte[] buf) throws IOException {
    int n = in.readNBytes(buf, 0, buf.length);
    if (n == 0) {
      return false;
    }
    if (n < buf.length) {
      throw new EOFException("truncated tar header");
    }
    return true;
  }

  private static byte[] readBytes(InputStream in, long size) throws IOException {
    if (size > 1 << 20) {
      throw new SourceException("tar extension header too large");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw new EOFException("truncated tar archive");
    }
    return data;
  }

  private static boolean isZeros(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String text(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] b, int off, int len) {
    String s = text(b, off, len).trim();
    long value;
    try {
      value = s.isEmpty() ? 0 : Long.parseLong(s, 8);
    } catch (NumberFormatException e) {
      value = -1;
    }
    if (value < 0) {
      // garbage, a negative size, or GNU base-256 (entries over 8 GiB; a model's shards are smaller)
      throw new SourceException("the archive has an entry with an unreadable size field");
    }
    return value;
  }

  /** Reads at most {@code limit} bytes of the underlying stream and never closes it. */
  private static final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long left;

    BoundedInputStream(InputStream in, long limit) {
      this.in = in;
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = in.read();
      if (b < 0) {
        throw new EOFException("truncated tar entry");
      }
      left--;
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(buf, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("truncated tar entry");
      }
      left -= n;
      return n;
    }
  }
}
