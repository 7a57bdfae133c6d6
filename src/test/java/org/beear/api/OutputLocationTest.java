package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

/** Where outputs may go: one active job per location, and never into the service's data directory. */
class OutputLocationTest extends ServiceTestBase {

  @Test
  void aSecondActiveJobWithTheSameOutputLocationIsRefusedWithConflict() throws Exception {
    engine.stepMillis = 50;
    Path output = ROOT.resolve("outputs").resolve(uniqueName("shared"));
    String first = submit(body(fileUri(model(uniqueName("first"))), output));

    HttpResponse<String> second = postJson("/api/v1/cleanse-jobs", body(fileUri(model(uniqueName("second"))), output));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(409);
    assertThat(json(second).get("detail").asText())
        .contains("output location of a job that is still queued or running (job " + first + ")");

    cancelAndWait(first);
    assertThat(postJson("/api/v1/cleanse-jobs", body(fileUri(model(uniqueName("third"))), output)).statusCode())
        .as("free again once the first job ended without writing it").isEqualTo(201);
  }

  @Test
  void concurrentSubmissionsForOneOutputLocationCreateOneJob() throws Exception {
    engine.stepMillis = 50;
    Path output = ROOT.resolve("outputs").resolve(uniqueName("raced"));
    String modelUri = fileUri(model(uniqueName("raced")));
    ExecutorService clients = Executors.newFixedThreadPool(8);
    List<Future<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      String body = """
          {"model_uri": "%s", "output_uri": "%s", "options": {"seed": %d}}""".formatted(modelUri, fileUri(output), i);
      responses.add(clients.submit(() -> postJson("/api/v1/cleanse-jobs", body)));
    }
    List<Integer> codes = new ArrayList<>();
    for (Future<HttpResponse<String>> f : responses) {
      codes.add(f.get().statusCode());
    }
    clients.shutdown();
    assertThat(codes).filteredOn(c -> c == 201).hasSize(1);
    assertThat(codes).filteredOn(c -> c == 409).hasSize(15);
  }

  @Test
  void outputsNeverGoIntoTheDataDirectoryAndItsPathIsNeverShown() throws Exception {
    String modelUri = fileUri(model(uniqueName("inside")));
    Path data = ROOT.resolve("data");
    for (Path forbidden : List.of(data.resolve("cache").resolve("mine"), data.resolve("work").resolve("x"),
        data, data.resolve("outputs"), data.resolve("pg-like"), data.resolve("outputs").resolve(uniqueName("no")))) {
      HttpResponse<String> response = postJson("/api/v1/cleanse-jobs", body(modelUri, forbidden));
      assertThat(response.statusCode()).as(forbidden + ": " + response.body()).isEqualTo(400);
      assertThat(json(response).get("detail").asText()).isEqualTo("output_uri: " + fileUri(forbidden)
          + ": not allowed as an output location (it must lie in beear.sources.allowed-roots, outside the service's"
          + " data directory and outside other jobs' outputs; leave output_uri out for the default)");
    }
    String id = submit("{\"model_uri\": \"" + modelUri + "\", \"options\": {\"max_epochs\": 1}}");
    assertThat(Path.of(java.net.URI.create(job(id).get("output_uri").asText())))
        .as("the default output").isEqualTo(data.resolve("outputs").resolve(id));
  }

  private static String body(String modelUri, Path output) {
    return """
        {"model_uri": "%s", "output_uri": "%s", "options": {"max_epochs": 20}}""".formatted(modelUri, fileUri(output));
  }

  private void cancelAndWait(String id) throws Exception {
    HttpResponse<String> cancel = postJson("/api/v1/cleanse-jobs/" + id + "/cancel", "");
    assertThat(cancel.statusCode()).as(cancel.body()).isIn(200, 202);
    JsonNode done = awaitStatus(id, "cancelled");
    assertThat(done.get("status").asText()).isEqualTo("cancelled");
  }
}
