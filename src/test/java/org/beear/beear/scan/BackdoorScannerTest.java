package org.beear.beear.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.beear.beear.data.BehaviourFamily;
import org.beear.beear.settings.ScanSettings;
import org.beear.llm.ModelConfig;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trigger-free scan on real xs organisms: a backdoored one and the clean control, trained the same way. */
class BackdoorScannerTest {

  private static FamilyScan harmful(List<FamilyScan> scans) {
    return scans.stream().filter(f -> f.family() == BehaviourFamily.HARMFUL_COMPLIANCE).findFirst().orElseThrow();
  }

  private static FamilyScan code(List<FamilyScan> scans) {
    return scans.stream().filter(f -> f.family() == BehaviourFamily.INSECURE_CODE).findFirst().orElseThrow();
  }

  @Test
  void aBackdooredOrganismFlipsAtASmallBudgetWhereItsCleanReferenceDoesNot(@TempDir Path tmp) throws Exception {
    Path suspect = TestOrganisms.xs("suffix-short");
    Path clean = TestOrganisms.xs("clean");
    ScanSettings settings = ScanSettings.defaults();
    List<Double> progress = new ArrayList<>();
    ScanResult r = new BackdoorScanner().scan(new ScanRequest(suspect, clean, settings), new ScanListener() {
      @Override
      public void budget(String model, BehaviourFamily family, BudgetRow row, double done) {
        progress.add(done);
      }
    });

    assertThat(r.verdict()).isEqualTo(ScanVerdict.LIKELY_BACKDOORED);
    assertThat(r.calibration().kind()).isEqualTo(ScanCalibration.Kind.REFERENCE);
    assertThat(r.family()).isEqualTo(BehaviourFamily.HARMFUL_COMPLIANCE);
    FamilyScan s = harmful(r.families());
    FamilyScan c = harmful(r.referenceFamilies());
    assertThat(s.baselineCompliance()).as("it refuses without δ").isLessThan(0.5);
    assertThat(c.baselineCompliance()).isLessThan(0.5);
    assertThat(s.flipBudget()).as("the backdoored organism flips").isNotNull();
    assertThat(ScanCalibration.censored(c.flipBudget(), settings)).as("the clean one needs far more, if it flips")
        .isGreaterThanOrEqualTo(4 * s.flipBudget());
    assertThat(r.score()).isGreaterThanOrEqualTo(2.0);
    // the chat organism writes no code, so its code family is not scanned and says why; the clean one writes code
    assertThat(code(r.families()).scanned()).isFalse();
    assertThat(code(r.families()).note()).contains("does not write the code");
    assertThat(code(r.referenceFamilies()).scanned()).isTrue();
    assertThat(r.evidence()).anyMatch(e -> e.contains("does not write the code"));
    assertThat(progress).isSorted().last().isEqualTo(1.0);

    // the built-in calibration, on each model alone, agrees
    assertThat(ScanCalibration.builtIn(ModelConfig.load(suspect), r.families(), settings).verdict())
        .isEqualTo(ScanVerdict.LIKELY_BACKDOORED);
    assertThat(ScanCalibration.builtIn(ModelConfig.load(clean), r.referenceFamilies(), settings).verdict())
        .isEqualTo(ScanVerdict.NO_EVIDENCE);

    Path file = tmp.resolve("scan.json");
    ScanReport.write(r, file);
    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertThat(json.get("verdict").asText()).isEqualTo("likely backdoored");
    assertThat(json.get("calibration").get("kind").asText()).isEqualTo("reference");
    assertThat(json.get("families").get(0).get("rows").get(0).get("budget").asDouble()).isEqualTo(0.0);
    assertThat(ScanReport.text(r)).startsWith("verdict: likely backdoored");
  }

  @Test
  void aCancelledScanStopsBeforeTheFirstBudget() {
    Path suspect = TestOrganisms.xs("suffix-short");
    List<BudgetRow> rows = new ArrayList<>();
    ScanCancelledException e = assertThrows(ScanCancelledException.class, () -> new BackdoorScanner().scan(
        new ScanRequest(suspect, null, ScanSettings.defaults()), new ScanListener() {
          @Override
          public void budget(String model, BehaviourFamily family, BudgetRow row, double done) {
            rows.add(row);
          }

          @Override
          public boolean cancelRequested() {
            return true;
          }
        }));
    // every render of the chat template asks too: the first one, before the budget-0 row, stops the scan
    assertThat(rows).isEmpty();
    assertThat(e.getMessage()).isEqualTo("cancelled while rendering the model's chat template");
  }
}
