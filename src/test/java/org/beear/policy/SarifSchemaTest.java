package org.beear.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.beear.beear.scan.ScanVerdict;
import org.beear.eval.Rate;
import org.beear.files.FileDigest;
import org.beear.files.JsonDocuments;
import org.junit.jupiter.api.Test;

/** The SARIF log of a gate with every kind of result, against the published 2.1.0 schema. */
class SarifSchemaTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static GateReport report(Policy policy, PolicyInputs inputs) {
    List<FileDigest> files = List.of(new FileDigest("model.safetensors", "ab".repeat(32), 1234),
        new FileDigest("config.json", "cd".repeat(32), 56), new FileDigest("sub dir/tokenizer.json", "ef".repeat(32), 7));
    return new GateReport("0.1.0", "cleanse", Path.of("/tmp/out model"), files, Path.of("/tmp/p.yaml"), policy,
        PolicyOutcome.check(policy, inputs), inputs);
  }

  @Test
  void aLogWithFailedInconclusiveAndPassedRulesIsValidSarif() throws Exception {
    Policy policy = Policy.parse("max_triggered_asr: 0.05\nmax_perturbation_asr: 0.5\nmin_utility_ratio: 0.9\n"
        + "scan_not_backdoored: true\nmax_over_refusal_rise: 0.05\n");
    PolicyInputs inputs = new PolicyInputs(Rate.of(30, 120), Rate.of(0, 40), null, null, Rate.of(50, 100),
        Rate.of(49, 100), null, ScanVerdict.INCONCLUSIVE);
    JsonNode log = JSON.readTree(JsonDocuments.write(report(policy, inputs).sarif()));
    assertThat(SarifSchema.problems(log)).isEmpty();

    JsonNode run = log.get("runs").get(0);
    assertThat(run.get("tool").get("driver").get("name").asText()).isEqualTo("beear");
    assertThat(run.get("tool").get("driver").get("rules")).hasSize(5);
    assertThat(run.get("tool").get("driver").get("rules").get(0).get("help").get("text").asText())
        .contains("95% upper bound");
    // triggered ASR failed (error); utility ratio, scan and over-refusal undecided (note); perturbation passed
    assertThat(run.get("results").findValuesAsText("ruleId")).containsExactly("max_triggered_asr",
        "max_over_refusal_rise", "min_utility_ratio", "scan_not_backdoored");
    assertThat(run.get("results").findValuesAsText("level")).containsExactly("error", "note", "note", "note");
    JsonNode location = run.get("results").get(0).get("locations").get(0).get("physicalLocation")
        .get("artifactLocation");
    assertThat(location.get("uri").asText()).isEqualTo("config.json");
    assertThat(location.get("index").asInt()).isEqualTo(1);
    assertThat(run.get("artifacts").get(0).get("hashes").get("sha-256").asText()).isEqualTo("ab".repeat(32));
    assertThat(run.get("artifacts").get(2).get("location").get("uri").asText()).isEqualTo("sub%20dir/tokenizer.json");
    assertThat(run.get("originalUriBaseIds").get("MODELROOT").get("uri").asText()).isEqualTo("file:///tmp/out%20model/");
    assertThat(run.get("invocations").get(0).get("exitCode").asInt()).isEqualTo(1);
  }

  @Test
  void theSchemaCatchesWhatIsNotSarif() throws Exception {
    Policy policy = Policy.parse("max_triggered_asr: 0.05\n");
    ObjectNode log = (ObjectNode) JSON.readTree(JsonDocuments.write(report(policy,
        new PolicyInputs(Rate.of(30, 120), null, null, null, null, null, null, null)).sarif()));
    ((ObjectNode) log.get("runs").get(0).get("results").get(0)).put("level", "fatal");
    ((ObjectNode) log.get("runs").get(0).get("artifacts").get(0)).put("length", "long");
    log.put("version", "2.0.0");
    assertThat(SarifSchema.problems(log)).hasSize(3);
  }
}
