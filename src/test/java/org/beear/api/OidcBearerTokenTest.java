package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.beear.app.ServiceTestBase;
import org.beear.app.TestIssuer;
import org.junit.jupiter.api.Test;

/**
 * Bearer tokens of the configured OpenID provider ({@link TestIssuer}, on loopback) name the caller's tenant and
 * roles in claims; tokens of another issuer, audience or key are refused.
 */
class OidcBearerTokenTest extends ServiceTestBase {

  @Test
  void aTokenWithTenantAndRoleClaimsSubmitsAndReadsItsTenantsJobs() throws Exception {
    String token = ISSUER.token(Map.of("tenant", "oidc-team", "roles", List.of("submit")));
    String body = "{\"model_uri\": \"" + fileUri(model(uniqueName("oidc"))) + "\", \"options\": {\"max_epochs\": 1}}";

    HttpResponse<String> created = postJson("/api/v1/cleanse-jobs", body, "Authorization", "Bearer " + token);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = json(created).get("id").asText();
    assertThat(jdbc.queryForObject("SELECT tenant FROM jobs WHERE id = ?::uuid", String.class, id))
        .isEqualTo("oidc-team");

    String reader = ISSUER.token(Map.of("tenant", "oidc-team", "roles", "read other"));
    assertThat(get("/api/v1/cleanse-jobs/" + id, reader).statusCode()).isEqualTo(200);
    assertThat(postJson("/api/v1/cleanse-jobs", body, "Authorization", "Bearer " + reader).statusCode())
        .isEqualTo(403);
    String otherTenant = ISSUER.token(Map.of("tenant", "someone-else", "roles", List.of("admin")));
    assertThat(get("/api/v1/cleanse-jobs/" + id, otherTenant).statusCode()).isEqualTo(404);
  }

  @Test
  void tokensOfAnotherIssuerAudienceOrKeyOrWithoutATenantAreRefused() {
    Map<String, Object> claims = Map.of("tenant", "oidc-team", "roles", List.of("read"));
    assertThat(get("/api/v1/cleanse-jobs", ISSUER.token(claims)).statusCode()).isEqualTo(200);

    for (String token : List.of(
        ISSUER.token("http://127.0.0.1:1/other-issuer", TestIssuer.AUDIENCE, claims),
        ISSUER.token(ISSUER.issuer(), "another-api", claims),
        ISSUER.forgedToken(claims),
        ISSUER.token(Map.of("roles", List.of("read"))))) {
      HttpResponse<String> response = get("/api/v1/cleanse-jobs", token);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate").orElse("")).contains("invalid_token");
      assertThat(json(response).get("status").asInt()).isEqualTo(401);
    }
  }
}
