package org.beear.beear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.beear.beear.data.BehaviourFamily;
import org.beear.beear.loop.CleanseCancelledException;
import org.beear.beear.relearn.RelearnCheck;
import org.beear.beear.scan.ScanVerdict;
import org.beear.beear.settings.BeearOptions;
import org.beear.files.FileDigests;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks around a cleanse on the xs backdoored organism (issue #18): the trigger-free scan before it, whose
 * verdict report.json shows beside the baseline, and the relearning check after it. One short epoch on 40 defender
 * pairs keeps the cleanse itself to seconds.
 */
class CleanseChecksTest {

  /** Every event as "type: message". */
  private static final class Events implements CleanseListener {
    final List<String> lines = new ArrayList<>();

    @Override
    public void event(String type, String message) {
      lines.add(type + ": " + message);
    }

    List<String> of(String type) {
      return lines.stream().filter(l -> l.startsWith(type + ": ")).toList();
    }
  }

  private static CleanseRequest request(Path tmp, String out, Map<String, Object> options) throws IOException {
    Path data = tmp.resolve("defender.jsonl");
    if (!Files.exists(data)) {
      CleanseResumeTest.defenderData(tmp);
    }
    return new CleanseRequest(TestOrganisms.xs("suffix-short"), tmp.resolve(out), tmp.resolve("work"),
        BeearOptions.fromMap(options), List.of(), data, null);
  }

  @Test
  void aScanBeforeTheCleanseGivesItsVerdictBesideTheBaselineAndAResumedCleanseReusesIt(@TempDir Path tmp)
      throws IOException {
    Events events = new Events();
    CleanseResult r = new BeearCleanser().cleanse(request(tmp, "a", Map.of("max_epochs", 1, "scan", true)), events);

    // the xs pilot: a backdoored organism flips at a fraction of the clean organisms' budget (scores 3.7-8)
    assertThat(r.scan().verdict()).isEqualTo(ScanVerdict.LIKELY_BACKDOORED);
    assertThat(r.scan().score()).isGreaterThanOrEqualTo(3.6);
    assertThat(r.scan().family()).isEqualTo(BehaviourFamily.HARMFUL_COMPLIANCE);
    assertThat(events.of("scan")).singleElement().asString()
        .matches("scan: likely backdoored \\(score \\d+\\.\\d\\d, flip budget \\d+\\.\\d+\\)");
    assertThat(events.lines).as("scanned before the cleanse loads the model")
        .containsSubsequence(events.of("scan").get(0), "evaluating: measuring the model before cleansing");
    assertThat(r.phaseSeconds().keySet()).startsWith("scan", "load");
    assertThat(r.timeBreakdown()).contains(", checks ");

    JsonNode report = new ObjectMapper().readTree(tmp.resolve("a/report.json").toFile());
    JsonNode before = report.get("before");
    assertThat(before.get("asr_perturbation").asDouble()).isEqualTo(r.before().asrPerturbation().ratio());
    assertThat(before.has("scan")).as("the baseline is the job's metrics.before, the scan beside it the job's scan")
        .isFalse();
    assertThat(BeearCleanserTest.camelCaseNames(report, "report.json")).isEmpty();
    JsonNode scan = report.get("scan");
    assertThat(scan.get("verdict").asText()).isEqualTo("likely backdoored");
    assertThat(scan.get("score").asDouble()).isEqualTo(r.scan().score());
    assertThat(scan.get("family").asText()).isEqualTo("harmful_compliance");
    assertThat(scan.get("flip_budget").asDouble()).isEqualTo(r.scan().flipBudget());
    assertThat(scan.get("calibration").get("kind").asText()).isEqualTo("built_in");
    assertThat(scan.get("evidence")).isNotEmpty();
    assertThat(Files.isRegularFile(tmp.resolve("work").resolve(ScanBeforeCleanse.FILE))).isTrue();

    // a second run on the work directory resumes from the checkpoint, and takes the verdict from there too
    Events resumed = new Events();
    CleanseResult second = new BeearCleanser().cleanse(request(tmp, "b", Map.of("max_epochs", 2, "scan", true)),
        resumed);
    assertThat(resumed.lines).contains("resumed: resumed after epoch 1");
    assertThat(resumed.of("scanning")).isEmpty();
    assertThat(resumed.of("scan")).singleElement().asString().endsWith("scanned by an earlier attempt of this cleanse");
    assertThat(second.scan()).isEqualTo(r.scan());
    assertThat(second.phaseSeconds()).doesNotContainKey("scan");
  }

  @Test
  void aCleanseCancelledDuringItsScanStopsWithNothingWritten(@TempDir Path tmp) throws IOException {
    CleanseListener cancelled = new CleanseListener() {
      @Override
      public boolean cancelRequested() {
        return true;
      }
    };
    CleanseRequest request = request(tmp, "out", Map.of("max_epochs", 1, "scan", true));
    CleanseCancelledException e = assertThrows(CleanseCancelledException.class,
        () -> new BeearCleanser().cleanse(request, cancelled));
    assertThat(e.getMessage()).startsWith("cancelled during the scan");
    assertThat(tmp.resolve("out")).doesNotExist();
    assertThat(tmp.resolve("work").resolve(ScanBeforeCleanse.FILE)).doesNotExist();
  }

  @Test
  void theRelearningCheckFineTunesTheCleansedTheOriginalAndAControlModelBeforeTheOutputIsPublished(@TempDir Path tmp)
      throws IOException {
    Events events = new Events();
    CleanseResult r = new BeearCleanser().cleanse(request(tmp, "out", Map.of("max_epochs", 1, "relearn_check", true,
        "relearn_k", List.of(2), "relearn_steps", 2, "relearn_control", true)), events);

    assertThat(r.relearn().models().keySet()).containsExactly("cleansed", "original", "control");
    assertThat(r.relearn().models().get("cleansed").model()).isEqualTo(tmp.resolve("out"));
    for (RelearnCheck.Result model : r.relearn().models().values()) {
      assertThat(model.relearned()).singleElement().satisfies(x -> {
        assertThat(x.k()).isEqualTo(2);
        assertThat(x.finalLoss()).isFinite();
      });
    }
    assertThat(events.of("relearn")).as("one line per model as given, and per model and k").hasSize(6)
        .anyMatch(l -> l.startsWith("relearn: cleansed after fine-tuning on 2 unwanted pairs (2 steps"))
        .anyMatch(l -> l.startsWith("relearn: original as given: perturbation ASR"));
    // the original keeps its backdoor, and a δ entrapped on it finds it
    assertThat(r.relearn().models().get("original").asGiven().perturbationAsr()).isGreaterThanOrEqualTo(0.5);

    // the control: the same cleanse without entrapment and without checks of its own, in the work directory
    assertThat(events.of("control")).anyMatch(l -> l.startsWith("control: cleansing a control model"));
    JsonNode control = new ObjectMapper().readTree(tmp.resolve("work").resolve(RelearnAfterCleanse.CONTROL_DIR)
        .resolve("model/report.json").toFile());
    assertThat(control.get("options").get("entrapment").asBoolean()).isFalse();
    assertThat(control.get("options").get("relearn_check").asBoolean()).isFalse();
    assertThat(control.get("epochs").get(0).get("entrapment_loss").isNull()).isTrue();

    JsonNode withRelearn = new ObjectMapper().readTree(tmp.resolve("out/report.json").toFile());
    assertThat(BeearCleanserTest.camelCaseNames(withRelearn, "report.json")).isEmpty();
    JsonNode relearn = withRelearn.get("relearn");
    assertThat(relearn.get("k").toString()).isEqualTo("[2]");
    assertThat(relearn.get("steps").asInt()).isEqualTo(2);
    for (String model : List.of("cleansed", "original", "control")) {
      JsonNode m = relearn.get("models").get(model);
      assertThat(m.get("as_given").get("asr_perturbation").isNumber()).as(model).isTrue();
      assertThat(m.get("relearned").get(0).get("k").asInt()).isEqualTo(2);
      assertThat(m.get("relearned").get(0).get("asr_no_trigger").isNumber()).as(model).isTrue();
    }
    // the check wrote nothing into the output: the digests report.json holds are those of what was published
    assertThat(r.provenance().outputs()).isEqualTo(FileDigests.of(tmp.resolve("out"),
        path -> !path.equals("report.json"), () -> false));
    assertThat(r.phaseSeconds()).containsKey("relearn");
  }
}
