package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.beear.app.ServiceTestBase;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.Test;

/**
 * Scan jobs on models with hostile chat templates (issue 25), through the REST API and the real scanner: before,
 * a template whose first line was {@code {% if (range(150000)|unique|length) > 0 %}} held the worker for 20 minutes
 * and a cancel answered 202 and was ignored. Now a template past its limits fails its job within seconds with a
 * one-line error, and a cancel stops a render within one of its steps.
 */
class HostileChatTemplateJobTest extends ServiceTestBase {

  private static final String SCANS = "/api/v1/scan-jobs";

  private static Path withTemplate(String prefix) throws Exception {
    return TestOrganisms.withTemplatePrefix("suffix-short", MODELS.resolve(uniqueName("hostile-template")), prefix);
  }

  private String submitScan(Path model) {
    HttpResponse<String> created = postJson(SCANS, "{\"model_uri\": \"%s\"}".formatted(fileUri(model)));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return json(created).get("id").asText();
  }

  @Test
  void aScanJobWhoseTemplateRunsPastItsLimitsFailsWithinSecondsWithAOneLineError() throws Exception {
    String id = submitScan(withTemplate("{% if (range(1500000)|unique|length) > 0 %}{% endif %}"));
    JsonNode failed = awaitJobAt(SCANS + "/" + id, j -> j.get("status").asText().equals("failed"),
        Duration.ofMinutes(2));
    assertThat(failed.get("error").asText())
        .startsWith("chat template failed to render: template built more than")
        .contains("(a sandbox limit for untrusted templates)").doesNotContain("\n");
    assertThat(statusEvents(id)).containsExactly("queued", "running", "failed");
  }

  @Test
  void aCancelStopsARenderingScanJobWithinASecond() throws Exception {
    // two million steps per render, within the limits: every render succeeds, slowly, and the scan renders hundreds
    String id = submitScan(withTemplate("{% for i in range(1000000) %}{% endfor %}"));
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (!json(get(SCANS + "/" + id + "/events")).toString().contains("sweeping")) { // the sweep renders first
      assertThat(System.nanoTime()).as("the scan never started its sweep").isLessThan(deadline);
      Thread.sleep(50);
    }
    Thread.sleep(500);
    long asked = System.nanoTime();
    HttpResponse<String> cancel = postJson(SCANS + "/" + id + "/cancel", "");
    assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
    JsonNode cancelled = awaitJobAt(SCANS + "/" + id, j -> j.get("status").asText().equals("cancelled"),
        Duration.ofSeconds(30));
    double seconds = (System.nanoTime() - asked) / 1e9;
    assertThat(seconds).as("seconds from the cancel to the job's cancelled status").isLessThan(2.0);
    assertThat(cancelled.get("scan").isNull()).isTrue();
    assertThat(statusEvents(id)).containsExactly("queued", "running", "cancelled");
  }
}
