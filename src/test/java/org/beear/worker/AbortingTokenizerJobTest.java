package org.beear.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.beear.app.ServiceTestBase;
import org.beear.llm.text.AbortingTokenizers;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.Test;

/**
 * A model whose tokenizer.json makes the native tokenizers library abort (a normalizer regex Oniguruma gives up on,
 * which NativeTokenizerGuard does not know) fails its own job with a one-line error, and nothing else: the service
 * still answers and the next job runs. Were the library in the service's JVM, the first prompt the scan encodes would
 * abort it, and the API, the database connection and every job with it (this test's JVM too: surefire would report
 * its fork as crashed).
 */
class AbortingTokenizerJobTest extends ServiceTestBase {

  private static final String SCANS = "/api/v1/scan-jobs";
  private static final String SMALL_SCAN = "{\"budgets\": 1, \"inner_steps\": 1, \"entrap_pairs\": 2}";

  @Test
  void aTokenizerThatAbortsTheLibraryFailsItsJobAndTheServiceCarriesOn() throws Exception {
    Path hostile = copyModel(TestOrganisms.xs("clean"), uniqueName("aborting-tokenizer"));
    AbortingTokenizers.plant(hostile);
    HttpResponse<String> created = postJson(SCANS, """
        {"model_uri": "%s", "options": %s}""".formatted(fileUri(hostile), SMALL_SCAN));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = json(created).get("id").asText();

    JsonNode failed = awaitJobAt(SCANS + "/" + id, j -> j.get("status").asText().equals("failed"),
        Duration.ofMinutes(2));
    assertThat(failed.get("error").asText()).isEqualTo("tokenizer.json: the tokenizers library crashed while "
        + "encoding a text (exit 134); the model's tokenizer cannot be used");
    assertThat(statusEvents(id)).as("the model's fault: failed at once, not retried as a crash")
        .containsExactly("queued", "running", "failed");
    assertThat(get("/livez").statusCode()).isEqualTo(200);

    String next = json(postJson(SCANS, """
        {"model_uri": "%s", "options": %s}""".formatted(fileUri(organism("clean")), SMALL_SCAN))).get("id").asText();
    JsonNode succeeded = awaitJobAt(SCANS + "/" + next, j -> j.get("status").asText().matches("succeeded|failed"),
        Duration.ofMinutes(3));
    assertThat(succeeded.get("status").asText()).as(succeeded.toString()).isEqualTo("succeeded");
    assertThat(get("/livez").statusCode()).isEqualTo(200);
  }
}
