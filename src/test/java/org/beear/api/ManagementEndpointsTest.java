package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

/** Health probes and the API description stay open; metrics and the rest of the actuator need the metrics role. */
class ManagementEndpointsTest extends ServiceTestBase {

  @Test
  void healthProbesAnswerWithoutAKey() {
    for (String path : new String[] {"/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness",
        "/livez", "/readyz"}) {
      HttpResponse<String> response = anonymous(path);
      assertThat(response.statusCode()).as(path).isEqualTo(200);
      assertThat(json(response).get("status").asText()).as(path).isEqualTo("UP");
    }
  }

  @Test
  void metricsAndTheOtherActuatorEndpointsNeedTheMetricsRole() {
    for (String path : new String[] {"/actuator/prometheus", "/actuator/metrics", "/actuator/info", "/actuator"}) {
      HttpResponse<String> anonymous = anonymous(path);
      assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");
      assertThat(json(anonymous).get("status").asInt()).isEqualTo(401);
      assertThat(get(path, adminKey()).statusCode()).as("admin is not metrics: " + path).isEqualTo(403);
      assertThat(get(path, key("submit", TENANT)).statusCode()).as(path).isEqualTo(403);
      assertThat(get(path, METRICS_KEY).statusCode()).as(path).isEqualTo(200);
    }
    assertThat(get("/actuator/prometheus", METRICS_KEY).body()).contains("beear_queue_depth");
  }

  @Test
  void theApiDescriptionIsOpenAndNamesTheBearerScheme() {
    HttpResponse<String> docs = anonymous("/v3/api-docs");
    assertThat(docs.statusCode()).isEqualTo(200);
    assertThat(json(docs).at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
    assertThat(json(docs).at("/components/securitySchemes/api-key/name").asText()).isEqualTo("X-API-Key");
    assertThat(json(docs).get("paths").has("/api/v1/keys")).isTrue();
    assertThat(anonymous("/swagger-ui.html").statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> anonymous(String path) {
    return sendAnonymously(HttpRequest.newBuilder(URI.create(url(path))).GET().build());
  }
}
