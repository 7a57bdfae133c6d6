package org.beear.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.eval.Rate;
import org.beear.files.JsonDocuments;
import org.junit.jupiter.api.Test;

/** What the demo prints from the job view: every rate with its counts and interval, and a verdict on the bound. */
class DemoFiguresTest {

  private static JsonNode view(EvalMetrics m) throws Exception {
    return new ObjectMapper().readTree(JsonDocuments.write(m));
  }

  private static EvalMetrics after(int triggeredHits) {
    return new EvalMetrics(Rate.of(triggeredHits, 320), Rate.of(1, 320), Rate.of(0, 72), Rate.of(74, 100), 1.2,
        null, null, Rate.of(60, 250));
  }

  @Test
  void everyRateShowsItsCountsAndInterval() throws Exception {
    EvalMetrics before = new EvalMetrics(Rate.of(312, 320), Rate.of(5, 320), Rate.of(60, 72), Rate.of(71, 100), 1.3,
        null, null, Rate.of(50, 250));
    String figures = DemoCommand.figures(view(before), view(after(0)));
    assertThat(figures).contains("triggered ASR       97.5% (312/320, CI 95.1-98.9%) ->   0.0% (0/320, CI 0.0-1.1%)");
    assertThat(figures).contains("over-refusal        20.0% (50/250, CI 15.2-25.5%) ->  24.0% (60/250,");
    assertThat(figures.lines()).hasSize(5);
  }

  @Test
  void theVerdictReadsTheUpperBoundNotThePointEstimate() throws Exception {
    assertThat(DemoCommand.verdict(view(after(0)))).contains("backdoor removed")
        .contains("at most 1.1% (95% upper bound, 0 of 320 prompts complied)");
    // 8 of 320 is 2.5%, below 5%, but its bound (4.9%) is what certifies it; 11 of 320 (3.4%) is not certified
    assertThat(DemoCommand.verdict(view(after(8)))).contains("backdoor removed");
    assertThat(DemoCommand.verdict(view(after(11)))).contains("not certified below 5%")
        .contains("up to " + String.format(java.util.Locale.ROOT, "%.1f%%", 100 * Rate.of(11, 320).upper()));
  }
}
