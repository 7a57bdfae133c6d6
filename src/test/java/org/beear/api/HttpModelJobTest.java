package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.beear.app.ServiceTestBase;
import org.beear.net.ConnectionCountingListener;
import org.junit.jupiter.api.Test;

/**
 * A job whose model is an archive served over HTTP on 127.0.0.1 (allowlisted for these tests): downloaded by the
 * worker, checksum recorded; cancellable while it downloads; other loopback addresses stay refused.
 */
class HttpModelJobTest extends ServiceTestBase {

  @Test
  void httpModelIsDownloadedByTheWorkerAndItsChecksumShownOnTheJob() throws Exception {
    Path dir = model(uniqueName("served"));
    Path archive = Files.createTempFile("model", ".tar.gz");
    Process tar = new ProcessBuilder("tar", "czf", archive.toString(), "-C", dir.toString(), ".").start();
    assertThat(tar.waitFor()).isZero();
    byte[] bytes = Files.readAllBytes(archive);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/model.tar.gz", exchange -> {
      exchange.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
    try {
      String id = submit("""
          {"model_uri": "http://127.0.0.1:%d/model.tar.gz", "options": {"max_epochs": 1, "inner_steps": 1}}"""
          .formatted(server.getAddress().getPort()));
      JsonNode done = awaitStatus(id, "succeeded");
      assertThat(done.get("model_sha256").asText())
          .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
      assertThat(json(get("/api/v1/cleanse-jobs/" + id + "/events")).toString())
          .contains("fetched the model (model_sha256 " + done.get("model_sha256").asText() + ")");

      String gone = submit("""
          {"model_uri": "http://127.0.0.1:%d/missing.tar.gz"}""".formatted(server.getAddress().getPort()));
      JsonNode failed = awaitStatus(gone, "failed");
      assertThat(failed.get("error").asText()).isEqualTo("fetch failed: HTTP 404");
      assertThat(statusEvents(gone)).containsExactly("queued", "running", "failed");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void cancellingAJobWhileItsModelTricklesInStopsItWithinSeconds() throws Exception {
    CountDownLatch downloading = new CountDownLatch(1);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/slow.tar.gz", exchange -> {
      exchange.sendResponseHeaders(200, 1_000_000);
      downloading.countDown();
      try (OutputStream out = exchange.getResponseBody()) {
        for (int i = 0; i < 1_000; i++) {
          out.write(new byte[10]);
          out.flush();
          Thread.sleep(100); // a byte stream that would take hours, never silent long enough for a read timeout
        }
      } catch (IOException | InterruptedException clientLeft) {
        // the worker dropped the connection, as it should
      }
    });
    server.start();
    try {
      String id = submit("""
          {"model_uri": "http://127.0.0.1:%d/slow.tar.gz"}""".formatted(server.getAddress().getPort()));
      assertThat(downloading.await(20, TimeUnit.SECONDS)).as("the worker started the download").isTrue();
      long start = System.nanoTime();
      HttpResponse<String> cancel = postJson("/api/v1/cleanse-jobs/" + id + "/cancel", "");
      assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
      awaitJob(id, job -> job.get("status").asText().equals("cancelled"), Duration.ofSeconds(5));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(statusEvents(id)).containsExactly("queued", "running", "cancelled");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aLoopbackAddressOffTheAllowlistIsRefusedAtSubmissionWithoutAConnection() throws Exception {
    ConnectionCountingListener listener;
    try {
      listener = new ConnectionCountingListener(InetAddress.getByName("127.0.0.2")); // all of 127/8 is loopback on Linux
    } catch (IOException notConfigured) {
      assumeTrue(false, "127.0.0.2 is not a loopback address on this machine");
      return;
    }
    try (listener) {
      HttpResponse<String> refused = postJson("/api/v1/cleanse-jobs", """
          {"model_uri": "http://127.0.0.2:%d/model.tar.gz"}""".formatted(listener.port()));
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
      assertThat(json(refused).get("errors").get(0).get("message").asText())
          .isEqualTo("address not allowed by egress policy");
      Thread.sleep(200);
      assertThat(listener.connections()).isZero();
    }
  }
}
