package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.UUID;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

class IdempotencyKeyTest extends ServiceTestBase {

  @Test
  void replayReturnsTheSameJobAndADifferentBodyWithTheSameKeyIsRefused() throws Exception {
    String key = "retry-" + UUID.randomUUID();
    String body = """
        {"model_uri": "%s", "options": {"max_epochs": 1, "inner_steps": 1}}"""
        .formatted(fileUri(model(uniqueName("idem"))));
    long before = jdbc.queryForObject("SELECT count(*) FROM jobs", Long.class);

    HttpResponse<String> first = postJson("/api/v1/cleanse-jobs", body, "Idempotency-Key", key);
    HttpResponse<String> replay = postJson("/api/v1/cleanse-jobs", body, "Idempotency-Key", key);

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    String id = json(first).get("id").asText();
    assertThat(json(replay).get("id").asText()).isEqualTo(id);
    assertThat(replay.headers().firstValue("Location")).hasValue("/api/v1/cleanse-jobs/" + id);

    HttpResponse<String> different = postJson("/api/v1/cleanse-jobs",
        body.replace("\"max_epochs\": 1", "\"max_epochs\": 2"), "Idempotency-Key", key);
    assertThat(different.statusCode()).isEqualTo(422);
    assertThat(json(different).get("detail").asText()).contains(key).contains(id);

    HttpResponse<String> noKey = postJson("/api/v1/cleanse-jobs", body);
    assertThat(noKey.statusCode()).isEqualTo(201);
    assertThat(json(noKey).get("id").asText()).isNotEqualTo(id);
    assertThat(jdbc.queryForObject("SELECT count(*) FROM jobs", Long.class)).isEqualTo(before + 2);

    awaitStatus(id, "succeeded");
    HttpResponse<String> afterFinish = postJson("/api/v1/cleanse-jobs", body, "Idempotency-Key", key);
    assertThat(afterFinish.statusCode()).isEqualTo(200);
    assertThat(json(afterFinish).get("status").asText()).isEqualTo("succeeded");
  }
}
