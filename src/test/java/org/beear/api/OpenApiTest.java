package org.beear.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.beear.app.ServiceTestBase;
import org.junit.jupiter.api.Test;

class OpenApiTest extends ServiceTestBase {

  @Test
  void apiDocsDescribeEveryEndpointWithSnakeCaseSchemas() {
    HttpResponse<String> response = get("/v3/api-docs");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode docs = json(response);
    JsonNode paths = docs.get("paths");
    String base = "/api/v1/cleanse-jobs";
    assertThat(paths.get(base).has("post")).isTrue();
    assertThat(paths.get(base).has("get")).isTrue();
    assertThat(paths.get(base + "/{id}").has("get")).isTrue();
    assertThat(paths.get(base + "/{id}/cancel").has("post")).isTrue();
    JsonNode events = paths.get(base + "/{id}/events").get("get").get("responses").get("200").get("content");
    assertThat(events.has("application/json")).isTrue();
    assertThat(events.has("text/event-stream")).isTrue();
    assertThat(paths.get(base + "/{id}/report").has("get")).isTrue();
    assertThat(paths.get(base + "/{id}/report.html").get("get").get("responses").get("200").get("content")
        .has("text/html")).isTrue();

    JsonNode notFound = paths.get(base + "/{id}").get("get").get("responses").get("404");
    assertThat(notFound.get("content").has("application/problem+json")).isTrue();
    assertThat(paths.get(base + "/{id}").get("get").get("responses").get("200").get("content")
        .get("application/json").get("schema").get("$ref").asText()).endsWith("/Job");

    JsonNode create = paths.get(base).get("post").get("responses");
    assertThat(create.has("413")).as("body limit").isTrue();
    assertThat(create.get("429").get("content").has("application/problem+json")).as("tenant limits").isTrue();
    assertThat(paths.get(base + "/{id}/events").get("get").get("responses").has("429")).isTrue();

    JsonNode schemas = docs.get("components").get("schemas");
    JsonNode request = schemas.get("CreateCleanseJobRequest").get("properties");
    assertThat(request.has("model_uri")).isTrue();
    assertThat(request.has("defender_data_uri")).isTrue();
    assertThat(schemas.get("BeearOptions").get("properties").has("anchor_layer")).isTrue();
    assertThat(schemas.get("Job").get("properties").has("eta_seconds")).isTrue();
    assertThat(schemas.get("CleanseJobEvent").get("properties").has("created_at")).isTrue();

    HttpResponse<String> ui = get("/swagger-ui.html");
    assertThat(ui.statusCode()).isEqualTo(200);
    assertThat(ui.body()).contains("swagger-ui");
  }
}
