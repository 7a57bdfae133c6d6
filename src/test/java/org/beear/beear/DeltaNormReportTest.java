package org.beear.beear;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.beear.beear.loop.EpochDeltaNorms;
import org.beear.beear.loop.Entrapment;
import org.beear.beear.loop.EpochRecord;
import org.beear.beear.settings.BeearOptions;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * δ's size against the hidden states, as a user reads it after a cleanse: one event per epoch and family with every
 * round's δ and the evaluation δ (largest row over the median token norm at the anchor layer, and over a typical
 * token's norm, the bound's unit), and the same figures in report.json's epochs.
 */
class DeltaNormReportTest {

  @Test
  void eachEpochReportsEveryRoundsDeltaAgainstTheHiddenStatesAndTheBound(@TempDir Path tmp) throws Exception {
    Path organism = TestOrganisms.xs("suffix-short");
    Path out = tmp.resolve("cleansed");
    List<String> messages = new ArrayList<>();
    CleanseResult r = new BeearCleanser().cleanse(new CleanseRequest(organism, out, tmp.resolve("work"),
        BeearOptions.fromMap(Map.of("max_epochs", 1)), List.of(), null, null), new CleanseListener() {
          @Override
          public void event(String type, String message) {
            if (type.equals(EpochDeltaNorms.EVENT)) {
              messages.add(message);
            }
          }
        });
    // the chat organism gets no code examples: one family, 41 rounds of 8 of the 328 harmful pairs (72 are held out)
    assertThat(messages).hasSize(1);
    String message = messages.get(0);
    assertThat(message).startsWith("epoch 1 harmful_compliance: ");
    String rounds = message.substring(message.indexOf("per round: ") + 11, message.indexOf(" (max"));
    assertThat(rounds.split(" ")).hasSize(41);
    assertThat(message).endsWith("; bound 10.0 typical norms");

    EpochRecord.DeltaNorms norms = r.epochs().get(0).deltaNorms().get("harmful_compliance");
    assertThat(norms.rounds()).isEqualTo(41);
    // Adam moves each element by at most about one step size (the scale) per step: over the 5 steps of a round at
    // most 5.02 typical norms per row, over the evaluation δ's 10 at most 10.17 (the largest sums of m̂/√v̂ over 5
    // and 10 steps of any gradients), and the default bound holds every row within 10
    assertThat(norms.roundsMax().toTypical()).isBetween(0.5, 5.03);
    assertThat(norms.evaluation().toTypical()).isBetween(0.5, 10.0 + 1e-6);
    assertThat(norms.roundsMax().toMedian()).isPositive();
    assertThat(norms.evaluation().toMedian()).isPositive();
    assertThat(message).contains(String.format(Locale.ROOT, "(max %.3g, %.3g typical norms); evaluation %.3g",
        norms.roundsMax().toMedian(), norms.roundsMax().toTypical(), norms.evaluation().toMedian()));

    JsonNode epoch = new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("epochs").get(0);
    JsonNode inReport = epoch.get("delta_norms").get("harmful_compliance");
    assertThat(inReport.get("rounds").asInt()).isEqualTo(41);
    assertThat(inReport.get("rounds_max").get("to_median").asDouble()).isEqualTo(norms.roundsMax().toMedian());
    assertThat(inReport.get("rounds_max").get("to_typical").asDouble()).isEqualTo(norms.roundsMax().toTypical());
    assertThat(inReport.get("evaluation").get("to_median").asDouble()).isEqualTo(norms.evaluation().toMedian());
    assertThat(inReport.get("evaluation").get("to_typical").asDouble()).isEqualTo(norms.evaluation().toTypical());
  }
}
