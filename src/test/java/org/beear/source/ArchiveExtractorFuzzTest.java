package org.beear.source;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.beear.fuzz.FuzzContract;
import org.beear.fuzz.FuzzFiles;

/**
 * Fuzzes model archive extraction. The archive is unpacked into {@code <scratch>/t/out} and must either unpack or
 * be refused with a SourceException or an IOException; either way nothing may be written outside {@code out}
 * (checked two levels up, where "../x" and "../../x" would land) and no link may appear. {@link #archive} takes
 * the archive's bytes as they are (zip or tar.gz); {@link #tarStream} takes an uncompressed tar stream and
 * gzips it, so mutations reach the tar headers instead of breaking the gzip checksum.
 */
class ArchiveExtractorFuzzTest {

  @FuzzTest(maxDuration = "30m", maxExecutions = 100_000)
  @DictionaryEntries({"PK\u0003\u0004", "PK\u0001\u0002", "PK\u0005\u0006", "../", "/", "..",
      "config.json", "a/"})
  void archive(byte[] data) throws Throwable {
    extract(data);
  }

  @FuzzTest(maxDuration = "30m", maxExecutions = 100_000)
  @DictionaryEntries({"ustar\u0000", "ustar  ", "././@LongLink", "path=", "../", "/", "..", "00000000017",
      "77777777777", "-0000000001"})
  void tarStream(byte[] data) throws Throwable {
    extract(gzip(data));
  }

  /** The production caps' kind, small: a fuzz input that would unpack past them is refused like a bomb. */
  private static final ArchiveExtractor.Limits LIMITS = new ArchiveExtractor.Limits(64L << 20, 10_000, 0);

  private static void extract(byte[] archiveBytes) throws Throwable {
    Path scratch = FuzzFiles.emptyDir("archive");
    Path archive = Files.write(scratch.resolve("archive.bin"), archiveBytes);
    Path parent = Files.createDirectory(scratch.resolve("t"));
    Path out = parent.resolve("out");
    FuzzContract.returnsOrThrows(() -> ArchiveExtractor.extract(archive, out, LIMITS), SourceException.class,
        IOException.class);
    try (Stream<Path> all = Files.walk(scratch)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        boolean expected = p.equals(scratch) || p.equals(archive) || p.equals(parent) || p.startsWith(out);
        assertTrue(expected, () -> "written outside the target directory: " + scratch.relativize(p));
        assertFalse(Files.isSymbolicLink(p), () -> "a link was created: " + scratch.relativize(p));
      }
    }
  }

  static List<byte[]> archiveSeeds() throws IOException {
    return List.of(zip(), gzip(tar()));
  }

  static List<byte[]> tarStreamSeeds() {
    return List.of(tar());
  }

  /** A model folder as zip: a directory entry, a stored and a deflated file. */
  private static byte[] zip() throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(buffer)) {
      zip.putNextEntry(new ZipEntry("model/"));
      zip.putNextEntry(new ZipEntry("model/config.json"));
      zip.write("{\"model_type\": \"llama\"}".getBytes(StandardCharsets.UTF_8));
      ZipEntry stored = new ZipEntry("model/model.safetensors");
      stored.setMethod(ZipEntry.STORED);
      byte[] data = new byte[16];
      stored.setSize(data.length);
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      crc.update(data);
      stored.setCrc(crc.getValue());
      zip.putNextEntry(stored);
      zip.write(data);
    }
    return buffer.toByteArray();
  }

  /** A model folder as ustar: a directory, a file, a GNU long name, a pax path and a pax global header. */
  private static byte[] tar() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    entry(out, "model/", '5', new byte[0]);
    entry(out, "model/config.json", '0', "{\"model_type\": \"llama\"}".getBytes(StandardCharsets.UTF_8));
    String longName = "model/" + "x".repeat(120) + ".json";
    entry(out, "././@LongLink", 'L', (longName + "\0").getBytes(StandardCharsets.UTF_8));
    entry(out, longName.substring(0, 99), '0', "{}".getBytes(StandardCharsets.UTF_8));
    String pax = "path=model/tokenizer.json\n";
    String record = (pax.length() + 3) + " " + pax;
    entry(out, "PaxHeaders/x", 'x', record.getBytes(StandardCharsets.UTF_8));
    entry(out, "model/tok", '0', "{}".getBytes(StandardCharsets.UTF_8));
    entry(out, "pax_global_header", 'g', "20 comment=beear\n".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  /** One ustar entry: header, data and padding (also for DownloadLimitsTest). */
  static void entry(ByteArrayOutputStream out, String name, char type, byte[] data) {
    byte[] header = new byte[512];
    put(header, 0, name);
    put(header, 100, "0000644");
    put(header, 124, String.format("%011o", data.length));
    put(header, 136, "00000000000");
    header[156] = (byte) type;
    put(header, 257, "ustar");
    put(header, 263, "00");
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : Byte.toUnsignedInt(header[i]);
    }
    put(header, 148, String.format("%06o\0 ", sum));
    out.writeBytes(header);
    out.writeBytes(data);
    out.writeBytes(new byte[(512 - data.length % 512) % 512]);
  }

  private static void put(byte[] header, int offset, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(buffer)) {
      gz.write(data);
    }
    return buffer.toByteArray();
  }

}
