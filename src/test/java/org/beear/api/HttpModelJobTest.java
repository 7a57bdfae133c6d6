package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

/** A job whose model is an archive served over HTTP (127.0.0.1): downloaded by the worker, checksum recorded. */
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
      assertThat(json(get("/api/v1/cleanse-jobs/" + id + "/events")).toString()).contains("downloaded the model");

      String gone = submit("""
          {"model_uri": "http://127.0.0.1:%d/missing.tar.gz"}""".formatted(server.getAddress().getPort()));
      JsonNode failed = awaitStatus(gone, "failed");
      assertThat(failed.get("error").asText()).contains("HTTP 404");
      assertThat(statusEvents(gone)).containsExactly("queued", "running", "failed");
    } finally {
      server.stop(0);
    }
  }
}
