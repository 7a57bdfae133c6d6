package org.beear.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.beear.files.InsufficientDiskSpaceException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * Archives that would fill the disk: bombs and archives of countless entries are refused with nothing left in the
 * cache, and a download or extraction that the disk cannot hold (a reserve larger than any disk) never starts.
 */
class DownloadLimitsTest {

  /** More free space than any disk has: every free-space check fails, without filling anything. */
  private static final DataSize HUGE_RESERVE = DataSize.ofTerabytes(1L << 20);

  @TempDir
  Path tmp;
  private HttpServer server;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      byte[] body = files.get(exchange.getRequestURI().getPath());
      exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
      if (body != null) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        } catch (IOException clientLeft) {
          // a refused download drops the connection
        }
      }
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private URI serve(String path, byte[] body) {
    files.put(path, body);
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  private HttpModelSource source(DataSize maxExtracted, int maxEntries, DataSize reserve) {
    return new HttpModelSource(TestSourceProperties.of(tmp.resolve("data"), "1MB", List.of("127.0.0.1/32"),
        maxExtracted, maxEntries, reserve, DataSize.ofGigabytes(1)));
  }

  private static byte[] zip(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(buffer)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
      }
    }
    return buffer.toByteArray();
  }

  private byte[] tarGz(Path dir) throws Exception {
    Path archive = tmp.resolve(dir.getFileName() + ".tar.gz");
    Process tar = new ProcessBuilder("tar", "czf", archive.toString(), "-C", dir.toString(), ".").start();
    assertThat(tar.waitFor()).isZero();
    return Files.readAllBytes(archive);
  }

  /** Everything under the cache: the partial downloads and the unpacked (or half-unpacked) models. */
  private List<Path> cacheContents() throws IOException {
    Path cache = tmp.resolve("data/cache");
    if (!Files.exists(cache)) {
      return List.of();
    }
    try (Stream<Path> all = Files.walk(cache)) {
      return all.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void aZipBombIsRefusedAndLeavesNothingBehind() throws Exception {
    byte[] bomb = zip(Map.of("config.json", "{}".getBytes(), "model.safetensors", new byte[8 << 20]));
    assertThat(bomb.length).as("8 MB of zeros compress to a few KB").isLessThan(64 << 10);
    URI uri = serve("/bomb.zip", bomb);

    assertThatThrownBy(() -> source(DataSize.ofMegabytes(1), 10_000, DataSize.ofBytes(0)).fetch(uri))
        .isInstanceOf(SourceException.class)
        .hasMessage("the archive unpacks to more than 1.0 MB, the cap on an extracted model");
    assertThat(cacheContents()).isEmpty();
  }

  @Test
  void aTarBombIsRefusedAndLeavesNothingBehind() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("tar-bomb"));
    Files.writeString(dir.resolve("config.json"), "{}");
    Files.write(dir.resolve("model.safetensors"), new byte[8 << 20]);
    URI uri = serve("/bomb.tar.gz", tarGz(dir));

    assertThatThrownBy(() -> source(DataSize.ofMegabytes(1), 10_000, DataSize.ofBytes(0)).fetch(uri))
        .isInstanceOf(SourceException.class)
        .hasMessage("the archive unpacks to more than 1.0 MB, the cap on an extracted model");
    assertThat(cacheContents()).isEmpty();
  }

  @Test
  void anArchiveOfTooManyEntriesIsRefusedAndLeavesNothingBehind() throws Exception {
    Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 50; i++) {
      entries.put("shard-" + i + ".bin", new byte[] {1});
    }
    URI zipped = serve("/many.zip", zip(entries));
    assertThatThrownBy(() -> source(null, 20, DataSize.ofBytes(0)).fetch(zipped))
        .isInstanceOf(SourceException.class)
        .hasMessage("the archive has more than 20 entries, the cap on a model archive");
    assertThat(cacheContents()).isEmpty();

    Path dir = Files.createDirectories(tmp.resolve("many"));
    for (int i = 0; i < 50; i++) {
      Files.write(dir.resolve("shard-" + i + ".bin"), new byte[] {1});
    }
    URI tarred = serve("/many.tar.gz", tarGz(dir));
    assertThatThrownBy(() -> source(null, 20, DataSize.ofBytes(0)).fetch(tarred))
        .isInstanceOf(SourceException.class)
        .hasMessage("the archive has more than 20 entries, the cap on a model archive");
    assertThat(cacheContents()).isEmpty();
  }

  @Test
  void anArchiveOfHugeMetadataHeadersIsRefused() throws Exception {
    for (char type : new char[] {'L', 'x', 'g'}) {
      ByteArrayOutputStream tar = new ByteArrayOutputStream();
      for (int i = 0; i < 16; i++) {
        // each header's data is 1 MiB, the most one may hold (a long name padded with NULs, which are dropped):
        // 16 MiB in all against a cap of 4 MB, though the files are tiny
        byte[] data = java.util.Arrays.copyOf(("f" + i + ".json").getBytes(), 1 << 20);
        ArchiveExtractorFuzzTest.entry(tar, "././@LongLink", type, data);
        ArchiveExtractorFuzzTest.entry(tar, "f" + i + ".json", '0', "{}".getBytes());
      }
      Path archive = Files.write(tmp.resolve("headers-" + type + ".tar.gz"), ended(tar));
      assertThat(Files.size(archive)).as("16 MiB of headers compress to little").isLessThan(256 << 10);

      Path target = tmp.resolve("unpacked-" + type);
      assertThatThrownBy(() -> ArchiveExtractor.extract(archive, target,
          new ArchiveExtractor.Limits(DataSize.ofMegabytes(4).toBytes(), 10_000, 0)))
          .as("type '%s'", type)
          .isInstanceOf(SourceException.class)
          .hasMessage("the archive unpacks to more than 4.0 MB, the cap on an extracted model");
    }

    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    String longName = "n".repeat(120) + "/" + "m".repeat(120) + ".json";
    ArchiveExtractorFuzzTest.entry(tar, "././@LongLink", 'L', longName.getBytes());
    ArchiveExtractorFuzzTest.entry(tar, "truncated-name", '0', "{}".getBytes());
    Path archive = Files.write(tmp.resolve("long-name.tar.gz"), ended(tar));
    ArchiveExtractor.extract(archive, tmp.resolve("long-name"), new ArchiveExtractor.Limits(1 << 20, 10_000, 0));
    assertThat(tmp.resolve("long-name").resolve(longName)).hasContent("{}");
  }

  /** The entries so far, ended and gzipped. */
  private static byte[] ended(ByteArrayOutputStream tar) throws IOException {
    tar.writeBytes(new byte[1024]);
    return ArchiveExtractorFuzzTest.gzip(tar.toByteArray());
  }

  @Test
  void aDownloadTheDiskCannotHoldIsRefusedBeforeItsBodyIsStored() throws Exception {
    URI uri = serve("/m.zip", zip(Map.of("config.json", "{}".getBytes(), "model.safetensors", new byte[70_000])));

    assertThatThrownBy(() -> source(null, 10_000, HUGE_RESERVE).fetch(uri))
        .isInstanceOf(SourceException.class)
        .hasMessageStartingWith("fetch failed: not enough free disk space for the model download: needs ")
        .hasMessageEndingWith(" free (keeping 1.0 EB in reserve)")
        .hasMessageNotContaining(tmp.toString());
    assertThat(cacheContents()).isEmpty();
  }

  @Test
  void anExtractionTheDiskCannotHoldIsRefusedBeforeAnythingIsWritten() throws Exception {
    Path archive = Files.write(tmp.resolve("m.zip"), zip(Map.of("model.safetensors", new byte[70_000])));
    Path target = tmp.resolve("unpacked");

    assertThatThrownBy(() -> ArchiveExtractor.extract(archive, target,
        new ArchiveExtractor.Limits(1L << 30, 10_000, HUGE_RESERVE.toBytes())))
        .isInstanceOf(InsufficientDiskSpaceException.class)
        .hasMessageContaining("for unpacking the model archive: needs 68.4 KB");
    assertThat(target.resolve("model.safetensors")).doesNotExist();
  }
}
