package org.beear.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.beear.app.BeearProperties;
import org.beear.net.ConnectionCountingListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a local HTTP server on 127.0.0.1 only, allowlisted unless a test says otherwise. */
class HttpModelSourceTest {

  @TempDir
  Path tmp;
  private HttpServer server;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      byte[] body = files.get(exchange.getRequestURI().getPath());
      if (body == null) {
        exchange.sendResponseHeaders(404, -1);
      } else {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
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

  private String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  private HttpModelSource source(String cap) {
    return source(cap, List.of("127.0.0.1/32"));
  }

  private HttpModelSource source(String cap, List<String> egressAllow) {
    return new HttpModelSource(properties(cap, egressAllow));
  }

  private BeearProperties properties(String cap, List<String> egressAllow) {
    return TestSourceProperties.of(tmp.resolve("data"), cap, egressAllow);
  }

  private Path modelDir() throws IOException {
    Path dir = tmp.resolve("src/tiny-llama");
    Files.createDirectories(dir.resolve("tokenizer"));
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\"}");
    Files.write(dir.resolve("model.safetensors"), new byte[70_000]);
    Files.writeString(dir.resolve("tokenizer/tokenizer.json"), "{}");
    return dir;
  }

  @Test
  void tarGzArchiveIsDownloadedHashedAndUnpackedThroughItsTopFolder() throws Exception {
    Path dir = modelDir();
    Path archive = tmp.resolve("model.tar.gz");
    Process tar = new ProcessBuilder("tar", "czf", archive.toString(), "-C", dir.getParent().toString(),
        dir.getFileName().toString()).inheritIO().start();
    assertThat(tar.waitFor()).isZero();
    byte[] bytes = Files.readAllBytes(archive);
    files.put("/models/tiny.tar.gz", bytes);

    FetchedModel fetched = source("1MB").fetch(URI.create(url("/models/tiny.tar.gz")));

    assertThat(fetched.sha256()).isEqualTo(sha256(bytes));
    assertThat(fetched.directory().getFileName().toString()).isEqualTo("tiny-llama");
    assertThat(fetched.directory().resolve("config.json")).hasContent("{\"model_type\": \"llama\"}");
    assertThat(Files.size(fetched.directory().resolve("model.safetensors"))).isEqualTo(70_000);
    assertThat(fetched.directory().resolve("tokenizer/tokenizer.json")).exists();
    assertThat(tmp.resolve("data/cache/downloads")).isEmptyDirectory();

    FetchedModel again = source("1MB").fetch(URI.create(url("/models/tiny.tar.gz")));
    assertThat(again.directory()).as("the same archive is unpacked once").isEqualTo(fetched.directory());
  }

  @Test
  void zipArchiveWorksToo() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(buffer)) {
      zip.putNextEntry(new ZipEntry("config.json"));
      zip.write("{\"model_type\": \"mistral\"}".getBytes(StandardCharsets.UTF_8));
      zip.putNextEntry(new ZipEntry("model.safetensors"));
      zip.write(new byte[10]);
    }
    files.put("/m.zip", buffer.toByteArray());
    FetchedModel fetched = source("1MB").fetch(URI.create(url("/m.zip")));
    assertThat(fetched.directory().resolve("config.json")).hasContent("{\"model_type\": \"mistral\"}");
    assertThat(fetched.sha256()).isEqualTo(sha256(buffer.toByteArray()));
  }

  @Test
  void oversizedMissingAndUnsafeDownloadsAreRefused() throws Exception {
    files.put("/big.tar.gz", new byte[300_000]);
    assertThatThrownBy(() -> source("100KB").fetch(URI.create(url("/big.tar.gz"))))
        .isInstanceOf(SourceException.class)
        .hasMessage("fetch failed: larger than the download cap of " + 100 * 1024 + " bytes");
    assertThatThrownBy(() -> source("1MB").fetch(URI.create(url("/nothing.tar.gz"))))
        .isInstanceOf(SourceException.class).hasMessage("fetch failed: HTTP 404");
    files.put("/plain.bin", "just text".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> source("1MB").fetch(URI.create(url("/plain.bin"))))
        .isInstanceOf(SourceException.class).hasMessageContaining("neither a .tar.gz nor a .zip");

    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(buffer)) {
      zip.putNextEntry(new ZipEntry("../../escaped.txt"));
      zip.write(1);
    }
    files.put("/slip.zip", buffer.toByteArray());
    assertThatThrownBy(() -> source("1MB").fetch(URI.create(url("/slip.zip"))))
        .isInstanceOf(SourceException.class).hasMessageContaining("outside its directory");
    assertThat(tmp.resolve("data/escaped.txt")).doesNotExist();
    assertThat(tmp.resolve("escaped.txt")).doesNotExist();
  }

  @Test
  void underTheDefaultPolicyLoopbackIsRefusedAtSubmissionAndAtFetchWithoutAConnection() throws Exception {
    try (ConnectionCountingListener listener = new ConnectionCountingListener(InetAddress.getLoopbackAddress())) {
      URI target = URI.create("http://127.0.0.1:" + listener.port() + "/m.tar.gz");
      HttpModelSource source = source("1MB", List.of());

      assertThatThrownBy(() -> source.check(target)).isInstanceOf(SourceException.class)
          .hasMessage("address not allowed by egress policy");
      assertThatThrownBy(() -> source.fetch(target)).isInstanceOf(SourceException.class)
          .hasMessage("address not allowed by egress policy");
      HttpModelSource named = new HttpModelSource(properties("1MB", List.of()),
          host -> new InetAddress[] {InetAddress.getLoopbackAddress()});
      assertThatThrownBy(() -> named.fetch(URI.create("http://models.test:" + listener.port() + "/m")))
          .isInstanceOf(SourceException.class).hasMessage("fetch failed: address not allowed by egress policy");
      Thread.sleep(100);
      assertThat(listener.connections()).isZero();
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
