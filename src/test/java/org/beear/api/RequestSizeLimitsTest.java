package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Sizes of a request (body, headers) and of a job (URIs, triggers), at their defaults. */
class RequestSizeLimitsTest extends LimitsTestBase {

  @Test
  void aBodyOverOneMebibyteIsRefusedWith413WithOrWithoutContentLength() throws Exception {
    String key = tenantKey();
    String tooLong = jobBody(fileUri(model()), "file:///" + "a".repeat(1024 * 1024));
    String almost = jobBody(fileUri(model()), "file:///" + "a".repeat(1024 * 1024 - 200));

    JsonNode declared = problem(send(post(JOBS, key).POST(HttpRequest.BodyPublishers.ofString(tooLong))), 413);
    assertThat(declared.get("detail").asText()).isEqualTo("request body larger than 1 MiB");

    // no Content-Length: the body is chunked and counted as it is read
    HttpRequest chunked = post(JOBS, key).POST(HttpRequest.BodyPublishers.ofInputStream(
        () -> new ByteArrayInputStream(tooLong.getBytes(StandardCharsets.UTF_8)))).build();
    assertThat(chunked.bodyPublisher().orElseThrow().contentLength()).isNegative();
    JsonNode streamed = problem(send(chunked), 413);
    assertThat(streamed.get("detail").asText()).isEqualTo("request body larger than 1 MiB");
    assertThat(send(post("/api/v1/plans", key).POST(HttpRequest.BodyPublishers.ofInputStream(
        () -> new ByteArrayInputStream(tooLong.getBytes(StandardCharsets.UTF_8))))).statusCode()).isEqualTo(413);

    HttpResponse<String> under = send(post(JOBS, key).POST(HttpRequest.BodyPublishers.ofString(almost)));
    assertThat(under.statusCode()).as("just under 1 MiB is read, and refused for its URI").isEqualTo(400);
    assertThat(jobsOf(key)).isZero();
  }

  @Test
  void overlongUrisAndTooManyTriggersAreFieldProblems() throws Exception {
    String key = tenantKey();
    String model = fileUri(model());
    String longUri = "file://" + ROOT + "/" + "x".repeat(4096);

    JsonNode modelUri = problem(submit(key, "{\"model_uri\": \"" + longUri + "\"}"), 400);
    assertThat(field(modelUri)).isEqualTo("model_uri: longer than 4096 characters (" + longUri.length() + ")");
    JsonNode outputUri = problem(submit(key, jobBody(model, longUri)), 400);
    assertThat(field(outputUri)).startsWith("output_uri: longer than 4096 characters");
    JsonNode dataUri = problem(submit(key, "{\"model_uri\": \"" + model + "\", \"defender_data_uri\": \""
        + longUri + "\"}"), 400);
    assertThat(field(dataUri)).startsWith("defender_data_uri: longer than 4096 characters");

    JsonNode triggers = problem(submit(key, withTriggers(model, 17)), 400);
    assertThat(field(triggers)).isEqualTo("evaluation.triggers: at most 16 triggers per job, got 17");
    assertThat(jobsOf(key)).isZero();

    assertThat(submit(key, withTriggers(model, 16)).statusCode()).isEqualTo(201);
  }

  @Test
  void headersUpTo16KbAreReadAndLargerOnesAreRefusedByTheServer() throws Exception {
    String key = tenantKey();
    String body = jobBody(fileUri(model()), null);

    HttpResponse<String> big = send(post(JOBS, key).header("X-Trace-Context", "t".repeat(12 * 1024))
        .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(big.statusCode()).as("a 12 KB header, e.g. a large OIDC token").isEqualTo(201);

    HttpResponse<String> huge = send(post(JOBS, key).header("X-Trace-Context", "t".repeat(20 * 1024))
        .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(huge.statusCode()).isIn(400, 431);
    assertThat(jobsOf(key)).isEqualTo(1);
  }
}
