package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

class CancelJobTest extends ServiceTestBase {

  @Test
  void queuedJobIsCancelledAtOnceRunningJobWithinAStepAndFinishedJobsAnswer409() throws Exception {
    engine.stepMillis = 50;
    String running = submit("""
        {"model_uri": "%s", "options": {"max_epochs": 200, "inner_steps": 1}}"""
        .formatted(fileUri(model(uniqueName("cancel-running")))));
    awaitJob(running, j -> j.get("current_epoch").asInt() >= 1, Duration.ofSeconds(20));
    String queued = submit("""
        {"model_uri": "%s"}""".formatted(fileUri(model(uniqueName("cancel-queued")))));
    assertThat(job(queued).get("status").asText()).isEqualTo("queued");

    HttpResponse<String> cancelQueued = postJson("/api/v1/cleanse-jobs/" + queued + "/cancel", "");
    assertThat(cancelQueued.statusCode()).as(cancelQueued.body()).isEqualTo(200);
    assertThat(json(cancelQueued).get("status").asText()).isEqualTo("cancelled");
    assertThat(statusEvents(queued)).containsExactly("queued", "cancelled");

    long asked = System.nanoTime();
    HttpResponse<String> cancelRunning = postJson("/api/v1/cleanse-jobs/" + running + "/cancel", "");
    assertThat(cancelRunning.statusCode()).as(cancelRunning.body()).isEqualTo(202);
    assertThat(json(cancelRunning).get("cancel_requested").asBoolean()).isTrue();
    JsonNode cancelled = awaitStatus(running, "cancelled");
    double seconds = (System.nanoTime() - asked) / 1e9;
    assertThat(seconds).as("a running job stops within about one 50 ms step").isLessThan(2.0);
    int epochAtCancel = cancelled.get("current_epoch").asInt();
    assertThat(epochAtCancel).isBetween(1, 199);
    assertThat(statusEvents(running)).containsExactly("queued", "running", "cancelled");
    JsonNode events = json(get("/api/v1/cleanse-jobs/" + running + "/events"));
    assertThat(events.size()).as("events are kept").isGreaterThan(epochAtCancel + 3);
    assertThat(events.toString()).contains("cancel requested");

    for (String id : new String[] {queued, running}) {
      HttpResponse<String> again = postJson("/api/v1/cleanse-jobs/" + id + "/cancel", "");
      assertThat(again.statusCode()).isEqualTo(409);
      assertThat(again.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(json(again).get("detail").asText()).contains("already cancelled");
    }
    Thread.sleep(300);
    assertThat(job(running).get("current_epoch").asInt()).as("no work after cancelling").isEqualTo(epochAtCancel);
  }

  @Test
  void succeededJobCannotBeCancelled() throws Exception {
    String id = submit("""
        {"model_uri": "%s", "options": {"max_epochs": 1, "inner_steps": 1}}"""
        .formatted(fileUri(model(uniqueName("cancel-done")))));
    awaitStatus(id, "succeeded");
    HttpResponse<String> response = postJson("/api/v1/cleanse-jobs/" + id + "/cancel", "");
    assertThat(response.statusCode()).isEqualTo(409);
    assertThat(json(response).get("status").asInt()).isEqualTo(409);
    assertThat(job(id).get("status").asText()).isEqualTo("succeeded");
  }
}
