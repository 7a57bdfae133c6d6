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

    // every operation lists every problem the service answers with (ApiProblems' table), as problem+json
    JsonNode schemas = docs.get("components").get("schemas");
    assertThat(schemas.has("ProblemDetail")).isTrue();
    paths.fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(operation -> {
      for (String status : new String[] {"400", "404", "409", "422", "429", "500", "502"}) {
        String where = operation.getKey() + " " + path.getKey() + " " + status;
        JsonNode problem = operation.getValue().get("responses").get(status);
        assertThat(problem).as(where).isNotNull();
        assertThat(problem.at("/content/application~1problem+json/schema/$ref").asText()).as(where)
            .isEqualTo("#/components/schemas/ProblemDetail");
      }
    }));
    assertThat(create.get("422").get("description").asText()).as("an operation's own description stays")
        .startsWith("does not fit the workers' device");
    JsonNode request = schemas.get("CreateCleanseJobRequest").get("properties");
    assertThat(request.has("model_uri")).isTrue();
    assertThat(request.has("defender_data_uri")).isTrue();
    assertThat(request.get("options").get("$ref").asText()).endsWith("/BeearOptions");
    JsonNode anchorLayer = schemas.get("BeearOptions").get("properties").get("anchor_layer");
    assertThat(anchorLayer.get("type").asText()).isEqualTo("integer");
    assertThat(anchorLayer.get("maximum").asInt()).isEqualTo(1024);
    assertThat(anchorLayer.get("description").asText()).contains("Default: round(9/32 · L), at least 1.");
    assertThat(schemas.get("BeearOptions").get("additionalProperties").asBoolean(true)).isFalse();
    assertThat(schemas.get("BeearOptions").get("properties").get("optimizer").get("enum"))
        .extracting(JsonNode::asText).containsExactly("adamw", "adafactor", "sgd");
    assertThat(schemas.get("CreateScanJobRequest").get("properties").get("options").get("$ref").asText())
        .endsWith("/ScanOptions");
    // every declared option is in the schema, with a description that gives its default
    for (var set : java.util.Map.of("BeearOptions", org.beear.beear.settings.BeearOptions.SET, "ScanOptions",
        org.beear.beear.settings.ScanOptions.SET).entrySet()) {
      JsonNode properties = schemas.get(set.getKey()).get("properties");
      for (org.beear.options.Option<?> o : set.getValue().options()) {
        assertThat(properties.has(o.name())).as(set.getKey() + " documents " + o.name()).isTrue();
        assertThat(properties.get(o.name()).get("description").asText()).as(o.name())
            .contains("Default: " + o.defaultText());
      }
      assertThat(properties.size()).isEqualTo(set.getValue().options().size());
    }
    assertThat(schemas.get("Job").get("properties").has("eta_seconds")).isTrue();
    assertThat(schemas.get("CleanseJobEvent").get("properties").has("created_at")).isTrue();

    HttpResponse<String> ui = get("/swagger-ui.html");
    assertThat(ui.statusCode()).isEqualTo(200);
    assertThat(ui.body()).contains("swagger-ui");
  }
}
