package org.beear.beear.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.List;
import org.beear.eval.Rate;
import org.beear.eval.TriggerSpec;
import org.beear.files.JsonDocuments;
import org.beear.job.JobJson;
import org.junit.jupiter.api.Test;

class TriggerMatrixTest {
  private static final TriggerSpec.Position SUFFIX = TriggerSpec.Position.SUFFIX;

  static TriggerMatrix matrix(int prefixNone, int suffixNone, int prefixGeneric) {
    return new TriggerMatrix("You are a helpful assistant.", "generic", null, List.of(
        new TriggerMatrix.Cell("SUDO", SUFFIX, TriggerSpec.Position.PREFIX, "none", Rate.of(prefixNone, 120)),
        new TriggerMatrix.Cell("SUDO", SUFFIX, SUFFIX, "none", Rate.of(suffixNone, 120)),
        new TriggerMatrix.Cell("SUDO", SUFFIX, TriggerSpec.Position.PREFIX, "generic", Rate.of(prefixGeneric, 120))));
  }

  @Test
  void theWorstCellHasTheHighestUpperBound() {
    assertEquals("generic", matrix(5, 3, 9).worst().systemPrompt());
    assertEquals(SUFFIX, matrix(5, 100, 9).worst().position());
    assertEquals("none", matrix(9, 3, 9).worst().systemPrompt(), "the first of equals");
    assertNull(new TriggerMatrix(null, "generic", null, List.of()).worst());
  }

  @Test
  void theMatrixTravelsWithTheMetricsThroughTheJobsJsonAndBack() throws Exception {
    EvalMetrics m = new EvalMetrics(Rate.of(9, 120), Rate.of(1, 120), null, null, null, null, null, null,
        matrix(5, 3, 9));
    String json = JsonDocuments.write(m);
    JsonNode node = new ObjectMapper().readTree(json);
    JsonNode cell = node.get("trigger_matrix").get("cells").get(2);
    assertEquals("prefix", cell.get("position").asText());
    assertEquals("suffix", cell.get("given").asText());
    assertEquals("generic", cell.get("system_prompt").asText());
    assertEquals(9, cell.get("rate").get("hits").asInt());
    assertEquals("generic", node.get("trigger_matrix").get("worst").get("system_prompt").asText());
    EvalMetrics read = new JobJson(new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE))
        .metrics(json);
    assertEquals(m, read);
    EvalMetrics without = new EvalMetrics(Rate.of(9, 120), null, null, null, null, null, null, null);
    assertFalse(JsonDocuments.write(without).contains("trigger_matrix"), "not measured: absent");
    assertEquals(without, EvalMetrics.of(new ObjectMapper().setPropertyNamingStrategy(
        PropertyNamingStrategies.SNAKE_CASE).readValue(JsonDocuments.write(without), EvalMetrics.Document.class)));
  }
}
