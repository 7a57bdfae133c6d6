package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

/** A job belongs to its creator's tenant: other tenants cannot tell it from a job that does not exist. */
class TenantIsolationTest extends ServiceTestBase {

  @Test
  void anotherTenantsJobIsNotFoundOnGetListCancelEventsAndReport() throws Exception {
    String alice = key("submit", "tenant-a");
    String bob = key("submit", "tenant-b");
    String id = json(postJson("/api/v1/cleanse-jobs", body(uniqueName("tenant")), "X-API-Key", alice))
        .get("id").asText();
    awaitJob(id, alice, "succeeded");
    String missing = UUID.randomUUID().toString();

    for (String suffix : List.of("", "/events", "/report", "/report.html")) {
      HttpResponse<String> other = get("/api/v1/cleanse-jobs/" + id + suffix, bob);
      HttpResponse<String> nonexistent = get("/api/v1/cleanse-jobs/" + missing + suffix, bob);
      assertThat(other.statusCode()).as(suffix).isEqualTo(404);
      assertThat(json(other).get("title")).isEqualTo(json(nonexistent).get("title"));
      assertThat(json(other).get("detail").asText().replace(id, missing))
          .isEqualTo(json(nonexistent).get("detail").asText());
      assertThat(get("/api/v1/cleanse-jobs/" + id + suffix, alice).statusCode()).as(suffix).isEqualTo(200);
    }
    HttpResponse<String> stream = send(HttpRequest.newBuilder(URI.create(url("/api/v1/cleanse-jobs/" + id + "/events")))
        .header("Accept", "text/event-stream").header("X-API-Key", bob).GET().build());
    assertThat(stream.statusCode()).isEqualTo(404);
    assertThat(postJson("/api/v1/cleanse-jobs/" + id + "/cancel", "", "X-API-Key", bob).statusCode()).isEqualTo(404);
    assertThat(get("/api/v1/cleanse-jobs/" + id, adminKey()).statusCode()).as("admin is scoped too").isEqualTo(404);

    assertThat(ids(get("/api/v1/cleanse-jobs?size=100", bob))).doesNotContain(id);
    assertThat(ids(get("/api/v1/cleanse-jobs?status=succeeded&size=100", bob))).doesNotContain(id);
    assertThat(ids(get("/api/v1/cleanse-jobs?size=100", alice))).contains(id);
    assertThat(json(get("/api/v1/cleanse-jobs", bob)).get("total").asLong())
        .isEqualTo(jdbc.queryForObject("SELECT count(*) FROM jobs WHERE tenant = 'tenant-b'", Long.class));
  }

  @Test
  void idempotencyKeysArePerTenantAndNeverNameAnotherTenantsJob() throws Exception {
    String alice = key("submit", "tenant-a");
    String bob = key("submit", "tenant-b");
    String idempotencyKey = "shared-" + UUID.randomUUID();
    String body = body(uniqueName("idem-tenant"));

    HttpResponse<String> first = postJson("/api/v1/cleanse-jobs", body, "X-API-Key", alice,
        "Idempotency-Key", idempotencyKey);
    HttpResponse<String> otherTenant = postJson("/api/v1/cleanse-jobs",
        body.replace("\"max_epochs\": 1", "\"max_epochs\": 2"), "X-API-Key", bob, "Idempotency-Key", idempotencyKey);
    HttpResponse<String> replay = postJson("/api/v1/cleanse-jobs", body, "X-API-Key", alice,
        "Idempotency-Key", idempotencyKey);

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(otherTenant.statusCode()).as(otherTenant.body()).isEqualTo(201);
    String aliceJob = json(first).get("id").asText();
    assertThat(otherTenant.body()).doesNotContain(aliceJob);
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(json(replay).get("id").asText()).isEqualTo(aliceJob);
  }

  @Test
  void anIdempotencyKeyExpiresAfterADayByDefault() throws Exception {
    String alice = key("submit", "tenant-a");
    String idempotencyKey = "daily-" + UUID.randomUUID();
    String body = body(uniqueName("idem-ttl"));
    String first = json(postJson("/api/v1/cleanse-jobs", body, "X-API-Key", alice,
        "Idempotency-Key", idempotencyKey)).get("id").asText();

    // the service's clock, not the database's: other tests in this context move it forward by leases
    jdbc.update("UPDATE jobs SET created_at = ? WHERE id = ?::uuid", hoursAgo(23), first);
    HttpResponse<String> withinTheDay = postJson("/api/v1/cleanse-jobs", body, "X-API-Key", alice,
        "Idempotency-Key", idempotencyKey);
    assertThat(withinTheDay.statusCode()).isEqualTo(200);
    assertThat(json(withinTheDay).get("id").asText()).isEqualTo(first);

    jdbc.update("UPDATE jobs SET created_at = ? WHERE id = ?::uuid", hoursAgo(25), first);
    HttpResponse<String> afterTheDay = postJson("/api/v1/cleanse-jobs",
        body.replace("\"max_epochs\": 1", "\"max_epochs\": 2"), "X-API-Key", alice, "Idempotency-Key", idempotencyKey);
    assertThat(afterTheDay.statusCode()).as(afterTheDay.body()).isEqualTo(201);
    assertThat(json(afterTheDay).get("id").asText()).isNotEqualTo(first);
  }

  private java.sql.Timestamp hoursAgo(int hours) {
    return java.sql.Timestamp.from(clock.instant().minus(java.time.Duration.ofHours(hours)));
  }

  private String body(String modelName) throws Exception {
    return """
        {"model_uri": "%s", "options": {"max_epochs": 1, "inner_steps": 1}}"""
        .formatted(fileUri(model(modelName)));
  }

  private void awaitJob(String id, String key, String status) throws InterruptedException {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    while (!json(get("/api/v1/cleanse-jobs/" + id, key)).get("status").asText().equals(status)) {
      assertThat(System.nanoTime()).as("job %s never %s", id, status).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private List<String> ids(HttpResponse<String> page) {
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    List<String> ids = new java.util.ArrayList<>();
    json(page).get("data").forEach(job -> ids.add(job.get("id").asText()));
    return ids;
  }
}
