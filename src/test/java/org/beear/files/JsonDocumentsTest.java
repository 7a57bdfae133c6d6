package org.beear.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonDocumentsTest {

  /** A measurement as the engine keeps it: camelCase components, something not measured. */
  record Measured(Double asrTriggered, double entrapmentLoss, List<Double> perEpoch) {}

  @Test
  void recordsAreWrittenInSnakeCaseMapKeysAsTheyAreAndUnmeasuredNumbersAsNull() {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("before", new Measured(0.98, Double.NaN, List.of(0.5, Double.POSITIVE_INFINITY)));
    document.put("phase_seconds", Map.of("evaluate_before", 1.5));

    assertThat(JsonDocuments.line(document)).isEqualTo("{\"before\":{\"asr_triggered\":0.98,\"entrapment_loss\":null,"
        + "\"per_epoch\":[0.5,null]},\"phase_seconds\":{\"evaluate_before\":1.5}}");
    assertThat(JsonDocuments.write(document)).isEqualTo("""
        {
          "before" : {
            "asr_triggered" : 0.98,
            "entrapment_loss" : null,
            "per_epoch" : [ 0.5, null ]
          },
          "phase_seconds" : {
            "evaluate_before" : 1.5
          }
        }""");
  }
}
