package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A model URI with a password and a signed query: the worker fetches with both, and nobody else ever sees them,
 * not in the job, its events, the job list, the report page, the metrics, the logs or the database's plain columns.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretUriTest extends ServiceTestBase {

  private static final String PASSWORD = "pw-s3cret-914";
  private static final String TOKEN = "sig-t0ken-271";

  @Test
  void secretsInTheModelUriAreUsedForTheFetchAndShownNowhere(CapturedOutput output) throws Exception {
    Path dir = model(uniqueName("private"));
    Path archive = Files.createTempFile("model", ".tar.gz");
    Process tar = new ProcessBuilder("tar", "czf", archive.toString(), "-C", dir.toString(), ".").start();
    assertThat(tar.waitFor()).isZero();
    byte[] bytes = Files.readAllBytes(archive);
    String expectedAuth = "Basic " + Base64.getEncoder()
        .encodeToString(("alice:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      boolean authorised = expectedAuth.equals(exchange.getRequestHeaders().getFirst("Authorization"))
          && ("sig=" + TOKEN).equals(exchange.getRequestURI().getRawQuery())
          && exchange.getRequestURI().getPath().equals("/model.tar.gz");
      exchange.sendResponseHeaders(authorised ? 200 : 403, authorised ? bytes.length : -1);
      if (authorised) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
      exchange.close();
    });
    server.start();
    try {
      int port = server.getAddress().getPort();
      String id = submit("""
          {"model_uri": "http://alice:%s@127.0.0.1:%d/model.tar.gz?sig=%s", "options": {"max_epochs": 1}}"""
          .formatted(PASSWORD, port, TOKEN));
      JsonNode done = awaitStatus(id, "succeeded");
      assertThat(done.get("model_uri").asText()).isEqualTo("http://***@127.0.0.1:" + port + "/model.tar.gz?***");

      String denied = submit("""
          {"model_uri": "http://alice:%s@127.0.0.1:%d/other.tar.gz?sig=%s"}""".formatted(PASSWORD, port, TOKEN));
      assertThat(awaitStatus(denied, "failed").get("error").asText()).isEqualTo("fetch failed: HTTP 403");

      Map<String, Object> row = jdbc.queryForMap("SELECT model_uri, model_uri_sealed FROM jobs WHERE id = ?::uuid",
          id);
      assertThat(row.get("model_uri")).isEqualTo("http://***@127.0.0.1:" + port + "/model.tar.gz?***");
      assertThat((String) row.get("model_uri_sealed")).startsWith("v1:");

      StringBuilder everythingShown = new StringBuilder();
      for (String path : new String[] {"/api/v1/cleanse-jobs/" + id, "/api/v1/cleanse-jobs/" + denied,
          "/api/v1/cleanse-jobs/" + id + "/events", "/api/v1/cleanse-jobs/" + denied + "/events",
          "/api/v1/cleanse-jobs", "/api/v1/cleanse-jobs/" + id + "/report.html", "/actuator/prometheus"}) {
        everythingShown.append(get(path).body());
      }
      everythingShown.append(row).append(output.getAll());
      assertThat(everythingShown.toString()).doesNotContain(PASSWORD).doesNotContain(TOKEN);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aPlainModelUriIsStoredAsGiven() throws Exception {
    String uri = fileUri(model(uniqueName("plain")));
    String id = submit("{\"model_uri\": \"" + uri + "\", \"options\": {\"max_epochs\": 1}}");
    assertThat(job(id).get("model_uri").asText()).isEqualTo(uri);
    assertThat(jdbc.queryForObject("SELECT model_uri_sealed FROM jobs WHERE id = ?::uuid", String.class, id))
        .isNull();
  }
}
