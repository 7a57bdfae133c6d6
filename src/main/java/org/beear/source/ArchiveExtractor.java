package org.beear.source;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.beear.files.DiskSpace;
import org.beear.files.InsufficientDiskSpaceException;

/**
 * Unpacks a model archive ({@code .tar.gz}/{@code .tgz} or {@code .zip}, told apart by their magic bytes) into a
 * directory. Entries that would land outside it ("zip slip") and links are refused: a model is plain files. A
 * small archive can expand a thousandfold, so the bytes written and the entries read are counted against
 * {@link Limits} as they come (declared sizes are checked first but never trusted), and the free disk space is
 * checked before the extraction (for what the archive says it holds) and before each file.
 */
final class ArchiveExtractor {

  /** Longest entry name accepted; file systems allow 4096 bytes for a whole path. */
  static final int MAX_NAME_LENGTH = 4096;

  /**
   * @param maxBytes     bytes all entries together may unpack to, the data of tar metadata headers included
   * @param maxEntries   headers one archive may have (files, directories and tar metadata headers)
   * @param reserveBytes free space to leave on the target's file system
   */
  record Limits(long maxBytes, long maxEntries, long reserveBytes) {}

  private final Path target;
  private final Limits limits;
  private long bytes;
  private long entries;

  private ArchiveExtractor(Path target, Limits limits) {
    this.target = target;
    this.limits = limits;
  }

  /**
   * Unpacks {@code archive} into {@code target}. On failure part of it may be there: the caller extracts into a
   * staging directory and removes it.
   *
   * @throws SourceException for an archive that breaks the rules or the limits
   * @throws InsufficientDiskSpaceException when the disk would be fuller than the reserve allows
   */
  static void extract(Path archive, Path target, Limits limits) throws IOException {
    Files.createDirectories(target);
    ArchiveExtractor extractor = new ArchiveExtractor(target, limits);
    try (InputStream in = new BufferedInputStream(Files.newInputStream(archive))) {
      in.mark(4);
      int b0 = in.read();
      int b1 = in.read();
      in.reset();
      if (b0 == 0x1f && b1 == 0x8b) {
        // a tar.gz tells its size only as it unpacks: at least the archive's own size (weights barely compress)
        extractor.requireSpace(Files.size(archive), "unpacking the model archive");
        extractor.untar(new GZIPInputStream(in, 1 << 16));
      } else if (b0 == 'P' && b1 == 'K') {
        extractor.checkZipDirectory(archive);
        extractor.unzip(in);
      } else {
        throw new SourceException("the download is neither a .tar.gz nor a .zip archive");
      }
    } catch (ZipException | EOFException e) {
      // a corrupt or cut-off archive is the download's fault, not a failure to store it: say so
      throw new SourceException("the archive is corrupt or truncated"
          + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
    }
  }

  /**
   * A zip lists its entries and their sizes at its end: an archive that declares more than the limits is refused
   * before anything is written, and the disk checked for the declared total. The stream read afterwards is counted
   * again, since a crafted zip's local entries need not match its directory.
   */
  private void checkZipDirectory(Path archive) throws IOException {
    long declared = 0;
    int count;
    try (ZipFile zip = new ZipFile(archive.toFile())) {
      count = zip.size();
      for (var e = zip.entries(); e.hasMoreElements(); ) {
        declared += Math.max(0, e.nextElement().getSize());
        if (declared < 0 || declared > limits.maxBytes()) {
          throw tooLarge();
        }
      }
    } catch (ZipException e) {
      // no readable central directory: the stream below is checked entry by entry
      declared = Files.size(archive);
      count = 0;
    }
    if (count > limits.maxEntries()) {
      throw tooManyEntries();
    }
    requireSpace(declared, "unpacking the model archive");
  }

  private void unzip(InputStream in) throws IOException {
    try (ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry entry; (entry = nextEntry(zip)) != null; ) {
        count();
        Path dest = inside(entry.getName());
        if (entry.isDirectory()) {
          Files.createDirectories(dest);
        } else {
          Files.createDirectories(dest.getParent());
          write(zip, dest, entry.getSize());
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

  /**
   * A ustar reader: 512-byte headers, octal sizes, GNU long names ('L') and pax paths ('x'). The data of metadata
   * headers counts against the cap on extracted bytes, so an archive of nothing but huge headers is refused too.
   */
  private void untar(InputStream in) throws IOException {
    byte[] header = new byte[512];
    String longName = null;
    while (true) {
      if (!readFully(in, header)) {
        return;
      }
      if (isZeros(header)) {
        return; // end-of-archive marker
      }
      count();
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
        case 'L' -> longName = new String(readMetadata(in, size), StandardCharsets.UTF_8).replace("\0", "");
        case 'x' -> longName = paxPath(new String(readMetadata(in, size), StandardCharsets.UTF_8));
        case 'g' -> readMetadata(in, size);
        case '5' -> Files.createDirectories(inside(name));
        case '0', '\0', '7' -> {
          Path dest = inside(name);
          Files.createDirectories(dest.getParent());
          write(new BoundedInputStream(in, size), dest, size);
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

  private void count() {
    if (++entries > limits.maxEntries()) {
      throw tooManyEntries();
    }
  }

  /** Copies one entry, counting every byte against the cap; {@code declared} (-1: unknown) is checked first. */
  private void write(InputStream in, Path dest, long declared) throws IOException {
    if (declared > limits.maxBytes() - bytes) {
      throw tooLarge();
    }
    requireSpace(Math.max(0, declared), "unpacking the model archive");
    byte[] buffer = new byte[1 << 16];
    try (OutputStream out = Files.newOutputStream(dest)) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        bytes += n;
        if (bytes > limits.maxBytes()) {
          throw tooLarge();
        }
        out.write(buffer, 0, n);
      }
    }
  }

  private void requireSpace(long needed, String purpose) {
    DiskSpace.require(target, needed, purpose, limits.reserveBytes());
  }

  private SourceException tooLarge() {
    return new SourceException("the archive unpacks to more than " + DiskSpace.format(limits.maxBytes())
        + ", the cap on an extracted model");
  }

  private SourceException tooManyEntries() {
    return new SourceException("the archive has more than " + limits.maxEntries()
        + " entries, the cap on a model archive");
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

  private Path inside(String name) {
    if (name.length() > MAX_NAME_LENGTH) {
      throw new SourceException("an archive entry's name is longer than " + MAX_NAME_LENGTH + " characters");
    }
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

  /** A metadata header's data (a long name, pax records), counted against the cap like a file's bytes. */
  private byte[] readMetadata(InputStream in, long size) throws IOException {
    if (size > 1 << 20) {
      throw new SourceException("tar extension header too large");
    }
    bytes += size;
    if (bytes > limits.maxBytes()) {
      throw tooLarge();
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
