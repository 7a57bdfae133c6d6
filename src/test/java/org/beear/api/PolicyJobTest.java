package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

/**
 * A job's {@code policy}: checked at submission (400 naming the key, nothing queued), stored and shown as given,
 * and its outcome per rule on the job and in its report once the job succeeded.
 */
class PolicyJobTest extends ServiceTestBase {
  private static final String SCANS = "/api/v1/scan-jobs";
  private static final String CLEANSES = "/api/v1/cleanse-jobs";

  @Test
  void aScanJobsPolicyIsStoredAndItsOutcomeShownPerRule() throws Exception {
    Path suspect = organism("suffix-short");
    HttpResponse<String> created = postJson(SCANS, """
        {"model_uri": "%s", "policy": {"scan_not_backdoored": true, "min_trials": 20}}"""
        .formatted(fileUri(suspect)));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode queued = json(created);
    assertThat(queued.get("policy").toString())
        .isEqualTo("{\"min_trials\":20,\"not_measured\":\"inconclusive\",\"scan_not_backdoored\":true}");
    assertThat(queued.get("policy_outcome").isNull()).isTrue();

    String id = queued.get("id").asText();
    JsonNode done = awaitJobAt(SCANS + "/" + id, j -> j.get("status").asText().equals("succeeded"),
        Duration.ofMinutes(2));
    JsonNode outcome = done.get("policy_outcome");
    assertThat(outcome.get("status").asText()).as(done.toString()).isEqualTo("fail");
    assertThat(outcome.get("exit_code").asInt()).isEqualTo(1);
    JsonNode rule = outcome.get("rules").get(0);
    assertThat(rule.get("id").asText()).isEqualTo("scan_not_backdoored");
    assertThat(rule.get("measured").asText()).isEqualTo("likely backdoored");
    assertThat(rule.get("status").asText()).isEqualTo("fail");
    JsonNode report = json(get(SCANS + "/" + id + "/report"));
    assertThat(report.get("policy_outcome")).isEqualTo(outcome);
    assertThat(report.get("policy")).isEqualTo(queued.get("policy"));
  }

  @Test
  void aBadPolicyIsA400NamingTheKeyAndNothingIsQueued() throws Exception {
    Path suspect = organism("suffix-short");
    long jobs = jdbc.queryForObject("SELECT count(*) FROM jobs", Long.class);
    String[][] cases = {
        {"{\"max_asr\": 0.1}", "policy.max_asr", "unknown key \\\"max_asr\\\""},
        {"{\"max_triggered_asr\": \"low\"}", "policy.max_triggered_asr", "must be a number from 0 to 1, got \\\"low\\\""},
        {"{\"max_triggered_asr\": 1.5}", "policy.max_triggered_asr", "got 1.5"},
        {"{\"min_trials\": 10}", "policy", "the policy sets no rule"}};
    for (String[] c : cases) {
      for (String path : List.of(SCANS, CLEANSES)) {
        HttpResponse<String> bad = postJson(path, """
            {"model_uri": "%s", "policy": %s}""".formatted(fileUri(suspect), c[0]));
        assertThat(bad.statusCode()).as(path + " " + bad.body()).isEqualTo(400);
        assertThat(bad.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(fields(json(bad))).as(bad.body()).containsExactly(c[1]);
        assertThat(bad.body()).contains(c[2]);
      }
    }
    assertThat(jdbc.queryForObject("SELECT count(*) FROM jobs", Long.class)).isEqualTo(jobs);
  }

  @Test
  void aCleanseJobsPolicyIsStoredAsGiven() throws Exception {
    Path suspect = organism("suffix-short");
    HttpResponse<String> created = postJson(CLEANSES, """
        {"model_uri": "%s", "options": {"max_epochs": 1},
         "policy": {"max_triggered_asr": 0.05, "min_utility_ratio": 0.9, "not_measured": "skip"}}"""
        .formatted(fileUri(suspect)));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode job = json(created);
    assertThat(job.get("policy").get("max_triggered_asr").asDouble()).isEqualTo(0.05);
    assertThat(job.get("policy").get("not_measured").asText()).isEqualTo("skip");
    String id = job.get("id").asText();
    assertThat(json(get(CLEANSES + "/" + id)).get("policy")).isEqualTo(job.get("policy"));
    postJson(CLEANSES + "/" + id + "/cancel", "");
  }

  @Test
  void aCleanseJobsOutcomeIsOnTheJobInItsReportAndInItsSignedAttestation() throws Exception {
    // the test engine ends every cleanse at perturbation ASR 4/72 (5.6%) and benign exact-match 80/100 both sides
    Path suspect = organism("suffix-short");
    HttpResponse<String> created = postJson(CLEANSES, """
        {"model_uri": "%s", "options": {"max_epochs": 2},
         "policy": {"max_perturbation_asr": 0.01, "min_utility_ratio": 0.5}}""".formatted(fileUri(suspect)));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = json(created).get("id").asText();
    JsonNode done = awaitJobAt(CLEANSES + "/" + id, j -> j.get("status").asText().matches("succeeded|failed"),
        Duration.ofMinutes(2));
    assertThat(done.get("status").asText()).as("a failed policy does not fail the job: " + done).isEqualTo("succeeded");
    JsonNode outcome = done.get("policy_outcome");
    assertThat(outcome.get("status").asText()).as(done.toString()).isEqualTo("fail");
    assertThat(outcome.get("exit_code").asInt()).isEqualTo(1);
    List<String> statuses = new ArrayList<>();
    outcome.get("rules").forEach(r -> statuses.add(r.get("id").asText() + " " + r.get("status").asText()));
    assertThat(statuses).containsExactlyInAnyOrder("max_perturbation_asr fail", "min_utility_ratio pass");

    assertThat(json(get(CLEANSES + "/" + id + "/report")).get("policy_outcome")).isEqualTo(outcome);
    JsonNode envelope = json(get(CLEANSES + "/" + id + "/attestation"));
    JsonNode statement = mapper.readTree(java.util.Base64.getDecoder().decode(envelope.get("payload").asText()));
    assertThat(statement.get("predicate").get("policy")).as("the signed predicate records the outcome")
        .isEqualTo(outcome);
  }

  private static List<String> fields(JsonNode problem) {
    List<String> fields = new ArrayList<>();
    problem.get("errors").forEach(e -> fields.add(e.get("field").asText()));
    return fields;
  }
}
