package org.beear.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.beear.app.BeearProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * The download cache keeps to its budget: after a download the least recently used models go, a model in use by
 * a running fetch (a worker thread's current job) never does, and partial files a dead process left are swept.
 */
class ModelCacheTest {

  /** Each model unpacks to 60,000 bytes (random, so every archive has its own digest): two fit, three do not. */
  private static final int MODEL_BYTES = 60_000;
  private static final DataSize BUDGET = DataSize.ofBytes(150_000);

  @TempDir
  Path tmp;
  private HttpServer server;
  private BeearProperties properties;
  private HttpModelSource source;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    for (String name : List.of("a", "b", "c", "d")) {
      byte[] body = model(name.charAt(0));
      server.createContext("/" + name + ".zip", exchange -> {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
        exchange.close();
      });
    }
    server.start();
    properties = TestSourceProperties.of(tmp.resolve("data"), "1MB", List.of("127.0.0.1/32"), null, 10_000,
        DataSize.ofBytes(0), BUDGET);
    source = new HttpModelSource(properties);
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static byte[] model(long seed) throws IOException {
    byte[] weights = new byte[MODEL_BYTES];
    new Random(seed).nextBytes(weights);
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(buffer)) {
      zip.putNextEntry(new ZipEntry("model.safetensors"));
      zip.write(weights);
    }
    return buffer.toByteArray();
  }

  private Path fetch(String name) {
    return source.fetch(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + name + ".zip"))
        .directory();
  }

  @Test
  void theLeastRecentlyUsedModelIsEvictedOnceTheCacheIsOverItsBudget() {
    Path a = fetch("a");
    Path b = fetch("b");
    assertThat(fetch("a")).as("a cache hit: the same directory, now the most recently used").isEqualTo(a);
    Path c = fetch("c");

    assertThat(b).as("least recently used").doesNotExist();
    assertThat(a).isDirectory();
    assertThat(c).isDirectory();
    assertThat(a.resolve("model.safetensors")).hasSize(MODEL_BYTES);
  }

  @Test
  void aModelInUseByAnotherThreadsFetchIsNeverEvictedUntilThatThreadMovesOn() throws Exception {
    CountDownLatch jobDone = new CountDownLatch(1);
    AtomicReference<Path> held = new AtomicReference<>();
    CountDownLatch fetched = new CountDownLatch(1);
    Thread worker = new Thread(() -> {
      held.set(fetch("a"));
      fetched.countDown();
      try {
        jobDone.await(); // the worker's job runs on this model
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    worker.start();
    fetched.await();
    Path a = held.get();

    Path b = fetch("b");
    Path c = fetch("c");
    assertThat(a).as("oldest, but in use by the worker's job").isDirectory();
    assertThat(b).as("the least recently used of those not in use").doesNotExist();
    assertThat(c).isDirectory();

    jobDone.countDown();
    worker.join();
    Path d = fetch("d");
    assertThat(a).as("no longer in use: the least recently used").doesNotExist();
    assertThat(c).isDirectory();
    assertThat(d).isDirectory();
  }

  @Test
  void partialFilesNoProcessWritesAnyMoreAreSwept() throws Exception {
    Path downloads = Files.createDirectories(tmp.resolve("data/cache/downloads"));
    Path models = Files.createDirectories(tmp.resolve("data/cache/models"));
    FileTime longAgo = FileTime.from(Instant.now().minusSeconds(3600));
    Path deadDownload = Files.write(downloads.resolve("dead.part"), new byte[10]);
    Files.setLastModifiedTime(deadDownload, longAgo);
    Path deadExtraction = Files.createDirectories(models.resolve("abc.tmp-1234/inner"));
    Files.setLastModifiedTime(Files.write(deadExtraction.resolve("model.safetensors"), new byte[10]), longAgo);
    Files.setLastModifiedTime(deadExtraction, longAgo);
    Files.setLastModifiedTime(deadExtraction.getParent(), longAgo);
    Path liveDownload = Files.write(downloads.resolve("live.part"), new byte[10]);
    Path model = Files.createDirectories(models.resolve("def"));
    Files.setLastModifiedTime(model, longAgo);

    // the sweep the work-directory sweeper runs, over the cache every downloading source shares
    assertThat(new ModelCache(properties).sweepPartials()).containsExactlyInAnyOrder(deadDownload, deadExtraction.getParent());
    assertThat(deadDownload).doesNotExist();
    assertThat(deadExtraction.getParent()).doesNotExist();
    assertThat(liveDownload).as("another process may be writing it").exists();
    assertThat(model).as("an unpacked model is no partial file").isDirectory();
  }
}
