package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

/** Authentication is on by default: keys with roles, 401 and 403 as problems, revocation, the bootstrap key. */
class AuthenticationTest extends ServiceTestBase {

  @Test
  void aRequestWithoutCredentialsIsAnswered401WithABearerChallenge() {
    HttpResponse<String> response = sendAnonymously(request("/api/v1/cleanse-jobs").GET().build());

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");
    assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
    assertThat(json(response).get("status").asInt()).isEqualTo(401);
    assertThat(json(response).get("detail").asText()).contains("API key");
  }

  @Test
  void anUnknownKeyIsRefusedAsAnInvalidToken() {
    for (HttpRequest request : new HttpRequest[] {
        request("/api/v1/cleanse-jobs").header("Authorization", "Bearer " + "bk_" + "x".repeat(43)).GET().build(),
        request("/api/v1/cleanse-jobs").header("X-API-Key", "bk_" + "x".repeat(43)).GET().build(),
        request("/api/v1/cleanse-jobs").header("Authorization", "Bearer not-a-jwt").GET().build()}) {
      HttpResponse<String> response = sendAnonymously(request);
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate").orElse(""))
          .startsWith("Bearer").contains("invalid_token");
      assertThat(json(response).get("title").asText()).isEqualTo("Unauthorized");
    }
  }

  @Test
  void rolesNestReadInSubmitInAdminAndAWrongRoleIs403() throws Exception {
    String read = key("read", TENANT);
    String body = "{\"model_uri\": \"" + fileUri(model(uniqueName("roles"))) + "\", \"options\": {\"max_epochs\": 1}}";

    HttpResponse<String> readCreates = postJson("/api/v1/cleanse-jobs", body, "Authorization", "Bearer " + read);
    assertThat(readCreates.statusCode()).isEqualTo(403);
    assertThat(readCreates.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
    assertThat(json(readCreates).get("status").asInt()).isEqualTo(403);
    assertThat(postJson("/api/v1/plans", body, "Authorization", "Bearer " + read).statusCode()).isEqualTo(403);

    HttpResponse<String> submitCreates = postJson("/api/v1/cleanse-jobs", body, "X-API-Key", key("submit", TENANT));
    assertThat(submitCreates.statusCode()).as(submitCreates.body()).isEqualTo(201);
    String id = json(submitCreates).get("id").asText();
    assertThat(get("/api/v1/cleanse-jobs/" + id, read).statusCode()).isEqualTo(200);
    assertThat(postJson("/api/v1/cleanse-jobs/" + id + "/cancel", "", "Authorization", "Bearer " + read)
        .statusCode()).isEqualTo(403);
    assertThat(get("/api/v1/keys", key("submit", TENANT)).statusCode()).isEqualTo(403);

    String admin = key("admin", TENANT);
    assertThat(get("/api/v1/cleanse-jobs/" + id, admin).statusCode()).isEqualTo(200);
    assertThat(postJson("/api/v1/cleanse-jobs", body, "Authorization", "Bearer " + admin).statusCode())
        .isEqualTo(201);
    assertThat(get("/api/v1/keys", admin).statusCode()).isEqualTo(200);
    assertThat(get("/api/v1/cleanse-jobs", METRICS_KEY).statusCode()).as("metrics opens the actuator only")
        .isEqualTo(403);
  }

  @Test
  void anAdminCreatesListsAndRevokesKeysAndARevokedKeyStopsWorking() {
    String admin = adminKey();
    HttpResponse<String> created = postJson("/api/v1/keys",
        "{\"name\": \"ci\", \"role\": \"submit\", \"tenant\": \"team-ci\"}", "Authorization", "Bearer " + admin);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode key = json(created);
    String secret = key.get("key").asText();
    assertThat(secret).startsWith("bk_").hasSizeGreaterThan(40);
    assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/keys/" + key.get("id").asText());
    assertThat(get("/api/v1/cleanse-jobs", secret).statusCode()).isEqualTo(200);

    JsonNode listed = json(get("/api/v1/keys", admin));
    JsonNode row = null;
    for (JsonNode k : listed) {
      if (k.get("id").asText().equals(key.get("id").asText())) {
        row = k;
      }
    }
    assertThat(row).isNotNull();
    assertThat(row.get("name").asText()).isEqualTo("ci");
    assertThat(row.get("role").asText()).isEqualTo("submit");
    assertThat(row.get("tenant").asText()).isEqualTo("team-ci");
    assertThat(row.get("prefix").asText()).isEqualTo(secret.substring(0, 11));
    assertThat(listed.toString()).as("keys are never shown again").doesNotContain(secret);
    assertThat(jdbc.queryForObject("SELECT count(*) FROM api_keys WHERE key_hash = ?", Long.class, secret))
        .as("only a hash is stored").isZero();

    HttpResponse<String> revoked = send(request("/api/v1/keys/" + key.get("id").asText())
        .header("Authorization", "Bearer " + admin).DELETE().build());
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(json(revoked).get("revoked_at").isNull()).isFalse();
    assertThat(get("/api/v1/cleanse-jobs", secret).statusCode()).isEqualTo(401);
    assertThat(send(request("/api/v1/keys/6f1d0c1e-0000-4000-8000-000000000000")
        .header("Authorization", "Bearer " + admin).DELETE().build()).statusCode()).isEqualTo(404);

    HttpResponse<String> badRole = postJson("/api/v1/keys", "{\"name\": \"x\", \"role\": \"root\"}",
        "Authorization", "Bearer " + admin);
    assertThat(badRole.statusCode()).isEqualTo(400);
    assertThat(json(badRole).get("errors").findValuesAsText("field")).containsExactly("role");
  }

  @Test
  void theFirstStartGeneratedAnAdminKeyReadableOnlyByItsOwner() throws Exception {
    assertThat(Files.getPosixFilePermissions(adminKeyFile()))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    String admin = adminKey();
    assertThat(admin).startsWith("bk_");
    assertThat(get("/api/v1/keys", admin).statusCode()).isEqualTo(200);
    assertThat(jdbc.queryForList("SELECT role || '@' || tenant FROM api_keys WHERE name = 'bootstrap-admin'",
        String.class)).isEqualTo(java.util.List.of("admin@default"));
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(url(path)));
  }
}
