package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What one tenant may have at once: job creations per period (its time moved on by the test, never waited for),
 * jobs queued or running, open event streams. Each refusal is a 429 with Retry-After; other tenants never notice.
 */
class TenantLimitsTest extends LimitsTestBase {

  @Test
  void aTenantCreatingJobsTooFastGets429WithRetryAfterUntilItsBucketRefills() throws Exception {
    String key = tenantKey();
    String body = jobBody(fileUri(model()), null);
    for (int i = 0; i < 3; i++) {
      assertThat(submit(key, body).statusCode()).as("burst of 3, job %d", i + 1).isEqualTo(201);
    }

    HttpResponse<String> refused = submit(key, body);
    JsonNode problem = problem(refused, 429);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("30");
    assertThat(problem.get("title").asText()).isEqualTo("Job creation rate exceeded");
    assertThat(problem.get("detail").asText()).contains("2 jobs per minute");
    assertThat(jobsOf(key)).isEqualTo(3);
    assertThat(submit(tenantKey(), body).statusCode()).as("another tenant has its own bucket").isEqualTo(201);

    time.advance(Duration.ofSeconds(29));
    HttpResponse<String> stillEarly = problemResponse(submit(key, body), 429);
    assertThat(stillEarly.headers().firstValue("Retry-After")).hasValue("1");
    time.advance(Duration.ofSeconds(1));
    assertThat(submit(key, body).statusCode()).isEqualTo(201);
  }

  @Test
  void aRateLimitedSubmissionBindsNoIdempotencyKeyAndAReplayIsNeverLimited() throws Exception {
    String key = tenantKey();
    String body = jobBody(fileUri(model()), null);
    HttpResponse<String> first = submit(key, body, "Idempotency-Key", "first");
    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(submit(key, body).statusCode()).isEqualTo(201);
    assertThat(submit(key, body).statusCode()).isEqualTo(201);

    HttpResponse<String> replay = submit(key, body, "Idempotency-Key", "first");
    assertThat(replay.statusCode()).as("a replay creates nothing, so it is not limited").isEqualTo(200);
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(json(replay).get("id")).isEqualTo(json(first).get("id"));
    problem(submit(key, body, "Idempotency-Key", "second"), 429);
    assertThat(jobsOf(key)).isEqualTo(3);

    time.advance(Duration.ofMinutes(1));
    String otherBody = body.replace("\"max_epochs\": 1", "\"max_epochs\": 2");
    HttpResponse<String> later = submit(key, otherBody, "Idempotency-Key", "second");
    assertThat(later.statusCode()).as("the refused request left the key unused: %s", later.body()).isEqualTo(201);
  }

  @Test
  void aTenantWithTooManyJobsQueuedOrRunningGets429AndOtherTenantsDoNot() throws Exception {
    String key = tenantKey();
    String body = jobBody(fileUri(model()), null);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      time.advance(Duration.ofHours(1)); // the rate is not what this test is about
      HttpResponse<String> created = submit(key, body);
      assertThat(created.statusCode()).isEqualTo(201);
      ids.add(json(created).get("id").asText());
    }
    // one of them claimed by a worker elsewhere: running counts as much as queued
    jdbc.update("UPDATE jobs SET status = 'running' WHERE id = ?::uuid", ids.get(0));

    time.advance(Duration.ofHours(1));
    HttpResponse<String> refused = submit(key, body, "Idempotency-Key", "fifth");
    JsonNode problem = problem(refused, 429);
    assertThat(problem.get("title").asText()).isEqualTo("Too many queued jobs");
    assertThat(problem.get("detail").asText()).contains("4 jobs queued or running");
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("60");
    assertThat(jobsOf(key)).isEqualTo(4);
    assertThat(submit(tenantKey(), body).statusCode()).as("another tenant's queue is its own").isEqualTo(201);

    assertThat(send(post(JOBS + "/" + ids.get(1) + "/cancel", key).POST(HttpRequest.BodyPublishers.noBody()))
        .statusCode()).isEqualTo(200);
    assertThat(submit(key, body, "Idempotency-Key", "fifth").statusCode()).as("a cancelled job frees its place")
        .isEqualTo(201);
  }

  @Test
  void aTenantMayHoldOnlySoManyEventStreamsAndAClosedStreamFreesItsSlot() throws Exception {
    String key = tenantKey();
    String body = jobBody(fileUri(model()), null);
    String job = json(submit(key, body)).get("id").asText();

    HttpResponse<InputStream> first = stream(job, key);
    HttpResponse<InputStream> second = stream(job, key);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(second.statusCode()).isEqualTo(200);

    HttpResponse<InputStream> third = stream(job, key);
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("Retry-After")).hasValue("30");
    assertThat(third.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(new String(third.body().readAllBytes(), StandardCharsets.UTF_8)).contains("Too many event streams");

    String otherKey = tenantKey();
    HttpResponse<InputStream> otherTenants = stream(json(submit(otherKey, body)).get("id").asText(), otherKey);
    assertThat(otherTenants.statusCode()).as("another tenant's streams are its own").isEqualTo(200);
    otherTenants.body().close();

    // the client goes away: the server learns it at its next write and frees the slot
    first.body().close();
    HttpResponse<InputStream> reopened = awaitStream(job, key);

    // the job ends: its streams end, and their slots are free by the time the client sees the end
    assertThat(send(post(JOBS + "/" + job + "/cancel", key).POST(HttpRequest.BodyPublishers.noBody()))
        .statusCode()).isEqualTo(200);
    second.body().readAllBytes();
    reopened.body().readAllBytes();
    String next = json(submit(key, body)).get("id").asText();
    HttpResponse<InputStream> a = stream(next, key);
    HttpResponse<InputStream> b = stream(next, key);
    assertThat(List.of(a.statusCode(), b.statusCode())).containsExactly(200, 200);
    a.body().close();
    b.body().close();
  }

  private HttpResponse<InputStream> stream(String job, String key) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url(JOBS + "/" + job + "/events")))
        .header("Accept", "text/event-stream").header("X-API-Key", key).GET().build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
  }

  /** Opens a stream as soon as a slot is free: the server notices a departed client only when it next writes. */
  private HttpResponse<InputStream> awaitStream(String job, String key) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      HttpResponse<InputStream> response = stream(job, key);
      if (response.statusCode() != 429) {
        assertThat(response.statusCode()).isEqualTo(200);
        return response;
      }
      response.body().close();
      assertThat(System.nanoTime()).as("the closed stream's slot was never freed").isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
