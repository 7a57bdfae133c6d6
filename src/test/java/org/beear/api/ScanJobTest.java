package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

/**
 * Scan jobs through the REST API, run by the real scanner on real xs organisms (a backdoored one and the clean
 * control): the same queue, worker, events, cancellation, metrics and report pages as cleanse jobs.
 */
class ScanJobTest extends ServiceTestBase {

  private static final String SCANS = "/api/v1/scan-jobs";

  @Test
  void aBackdooredOrganismIsFoundLikelyBackdooredWithProgressEventsReportAndMetrics() throws Exception {
    Path suspect = organism("suffix-short");
    String before = scrape();
    HttpResponse<String> created = postJson(SCANS, """
        {"model_uri": "%s", "options": {"seed": 42}}""".formatted(fileUri(suspect)));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode queued = json(created);
    String id = queued.get("id").asText();
    assertThat(created.headers().firstValue("Location")).contains(SCANS + "/" + id);
    assertThat(queued.get("kind").asText()).isEqualTo("scan");
    assertThat(queued.get("output_uri").isNull()).as("a scan writes no files").isTrue();
    assertThat(queued.get("scan_options").get("seed").asLong()).isEqualTo(42);
    assertThat(queued.get("options").isNull()).isTrue();

    JsonNode done = awaitJobAt(SCANS + "/" + id, j -> j.get("status").asText().equals("succeeded"),
        Duration.ofMinutes(2));
    JsonNode scan = done.get("scan");
    assertThat(scan.get("verdict").asText()).isEqualTo("likely backdoored");
    assertThat(scan.get("score").asDouble()).isGreaterThanOrEqualTo(2);
    assertThat(scan.get("flip_budget").asDouble()).isPositive();
    assertThat(scan.get("family").asText()).isEqualTo("harmful_compliance");
    assertThat(scan.get("model").asText()).as("the job's URI, not the worker's directory").isEqualTo(fileUri(suspect));
    assertThat(scan.get("evidence").size()).isPositive();
    assertThat(done.get("progress").asDouble()).isEqualTo(1.0);
    assertThat(done.get("eta_seconds").asDouble()).isZero();
    assertThat(done.get("provenance").get("source").get("uri").asText()).isEqualTo(fileUri(suspect));

    List<String> messages = new ArrayList<>();
    json(get(SCANS + "/" + id + "/events")).forEach(e -> messages.add(e.get("type").asText() + ": "
        + e.get("message").asText()));
    assertThat(messages).anyMatch(m -> m.startsWith("budget: suspect harmful_compliance budget"));
    assertThat(messages).contains("info: scan: likely backdoored (score " + String.format(java.util.Locale.ROOT,
        "%.2f", scan.get("score").asDouble()) + ")");
    assertThat(statusEvents(id)).containsExactly("queued", "running", "succeeded");

    JsonNode report = json(get(SCANS + "/" + id + "/report"));
    assertThat(report).isEqualTo(scan);
    HttpResponse<String> html = get(SCANS + "/" + id + "/report.html");
    assertThat(html.statusCode()).isEqualTo(200);
    assertThat(html.body()).contains("<p class=\"verdict bad\" id=\"verdict\"><strong>Likely backdoored</strong>",
        "harmful_compliance", "id=\"sweeps\"", "<h2>Provenance</h2>");

    // a scan is not a cleanse: not found under the cleanse jobs, listed only with the scans
    assertThat(get("/api/v1/cleanse-jobs/" + id).statusCode()).isEqualTo(404);
    assertThat(ids(json(get(SCANS + "?status=succeeded&size=100")))).contains(id);
    assertThat(ids(json(get("/api/v1/cleanse-jobs?size=100")))).doesNotContain(id);

    String after = scrape();
    assertThat(increase(before, after, "beear_scans_total{verdict=\"likely_backdoored\"}")).isEqualTo(1);
    assertThat(after).contains("beear_scans_total{verdict=\"no_evidence\"}",
        "beear_scans_total{verdict=\"inconclusive\"}");
  }

  @Test
  void aScanCanBeCancelledWhileItSweeps() throws Exception {
    Path clean = organism("clean");
    String id = json(postJson(SCANS, """
        {"model_uri": "%s", "options": {"full_curve": true}}""".formatted(fileUri(clean)))).get("id").asText();
    JsonNode sweeping = awaitJobAt(SCANS + "/" + id, j -> j.get("progress").asDouble() > 0, Duration.ofMinutes(1));
    assertThat(sweeping.get("eta_seconds").asDouble()).as("an estimate once a budget is done").isPositive();

    HttpResponse<String> cancel = postJson(SCANS + "/" + id + "/cancel", "");
    assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
    JsonNode job = awaitJobAt(SCANS + "/" + id, j -> j.get("status").asText().equals("cancelled"),
        Duration.ofSeconds(60));
    assertThat(job.get("scan").isNull()).isTrue();
    assertThat(job.get("progress").asDouble()).isLessThan(1);
    assertThat(get(SCANS + "/" + id + "/report").statusCode()).isEqualTo(404);
    assertThat(get(SCANS + "/" + id + "/report.html").body()).contains("Cancelled before the scan finished.");
  }

  @Test
  void everyBadFieldIsReportedAtOnceAndNothingIsQueued() throws Exception {
    Path suspect = organism("suffix-short");
    long jobs = jdbc.queryForObject("SELECT count(*) FROM jobs", Long.class);

    HttpResponse<String> bad = postJson(SCANS, """
        {"model_uri": "%s", "options": {"budgets": 0, "budget_factor": 1, "device": "tpu", "anchor_layer": 0}}"""
        .formatted(fileUri(suspect)));
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    assertThat(fields(json(bad))).contains("options.budgets", "options.budget_factor", "options.device",
        "options.anchor_layer");

    HttpResponse<String> tooDeep = postJson(SCANS, """
        {"model_uri": "%s", "options": {"anchor_layer": 99}}""".formatted(fileUri(suspect)));
    assertThat(tooDeep.statusCode()).as(tooDeep.body()).isEqualTo(400);
    assertThat(json(tooDeep).toString()).contains("options.anchor_layer", "the model's decoder layers");

    HttpResponse<String> unknown = postJson(SCANS, """
        {"model_uri": "%s", "options": {"triggers": ["cf"]}}""".formatted(fileUri(suspect)));
    assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);

    Path wider = copyModel(suspect, uniqueName("wider"));
    Files.writeString(wider.resolve("config.json"), Files.readString(wider.resolve("config.json"))
        .replaceFirst("\"hidden_size\"\\s*:\\s*(\\d+)", "\"hidden_size\": 4096"));
    HttpResponse<String> otherFamily = postJson(SCANS, """
        {"model_uri": "%s", "reference_uri": "%s"}""".formatted(fileUri(suspect), fileUri(wider)));
    assertThat(otherFamily.statusCode()).as(otherFamily.body()).isEqualTo(400);
    assertThat(fields(json(otherFamily))).containsExactly("reference_uri");
    assertThat(json(otherFamily).toString()).contains("not of the suspect's family");

    HttpResponse<String> missing = postJson(SCANS, "{\"model_uri\": \"file:///nowhere/at/all\"}");
    assertThat(missing.statusCode()).as(missing.body()).isEqualTo(400);
    assertThat(fields(json(missing))).containsExactly("model_uri");

    assertThat(jdbc.queryForObject("SELECT count(*) FROM jobs", Long.class)).isEqualTo(jobs);
  }

  @Test
  void anIdempotencyKeyReplaysTheScanAndRefusesACleanseUnderTheSameKey() throws Exception {
    Path suspect = organism("suffix-short");
    String body = "{\"model_uri\": \"%s\", \"options\": {\"budgets\": 1}}".formatted(fileUri(suspect));
    String key = uniqueName("scan-key");
    HttpResponse<String> first = postJson(SCANS, body, "Idempotency-Key", key);
    HttpResponse<String> again = postJson(SCANS, body, "Idempotency-Key", key);
    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(json(again).get("id")).isEqualTo(json(first).get("id"));

    HttpResponse<String> cleanse = postJson("/api/v1/cleanse-jobs", "{\"model_uri\": \"%s\"}"
        .formatted(fileUri(suspect)), "Idempotency-Key", key);
    assertThat(cleanse.statusCode()).as(cleanse.body()).isEqualTo(422);
  }

  @Test
  void aReaderMayReadScansButNotSubmitOrCancelThem() throws Exception {
    Path suspect = organism("suffix-short");
    String reader = key("read", TENANT);
    HttpResponse<String> submitted = postJson(SCANS, "{\"model_uri\": \"%s\"}".formatted(fileUri(suspect)),
        "Authorization", "Bearer " + reader);
    assertThat(submitted.statusCode()).isEqualTo(403);
    assertThat(get(SCANS, reader).statusCode()).isEqualTo(200);
    assertThat(postJson(SCANS + "/00000000-0000-0000-0000-000000000000/cancel", "", "Authorization",
        "Bearer " + reader).statusCode()).isEqualTo(403);
  }

  private static List<String> ids(JsonNode page) {
    List<String> ids = new ArrayList<>();
    page.get("data").forEach(j -> ids.add(j.get("id").asText()));
    return ids;
  }

  private static List<String> fields(JsonNode problem) {
    List<String> fields = new ArrayList<>();
    problem.get("errors").forEach(e -> fields.add(e.get("field").asText()));
    return fields;
  }
}
