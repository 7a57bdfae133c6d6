package org.beear.api;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.util.Set;
import java.util.TreeSet;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;

/**
 * Lists the problems {@link ApiProblems} answers with on every operation of the API documentation: each status of
 * its table (and the internal error) as an {@code application/problem+json} response, described by the status's
 * reason unless the operation describes it itself. The operations that document a problem themselves (413, 429) put
 * the {@code ProblemDetail} schema into the components.
 */
@Component
class ProblemResponses implements OpenApiCustomizer {

  private static final String SCHEMA = ProblemDetail.class.getSimpleName();
  private static final String PROBLEM_JSON = org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE;

  @Override
  public void customise(OpenAPI api) {
    Set<Integer> statuses = new TreeSet<>();
    ApiProblems.PROBLEMS.forEach(p -> statuses.add(p.status().value()));
    statuses.add(ApiProblems.UNEXPECTED.value());
    if (api.getPaths() == null) {
      return;
    }
    api.getPaths().values().forEach(path -> path.readOperations().forEach(o -> document(o, statuses)));
  }

  private static void document(Operation operation, Set<Integer> statuses) {
    if (operation.getResponses() == null) {
      operation.setResponses(new ApiResponses());
    }
    for (int status : statuses) {
      ApiResponse response = operation.getResponses().computeIfAbsent(Integer.toString(status),
          code -> new ApiResponse().description(HttpStatus.valueOf(status).getReasonPhrase()));
      // a status the operation describes itself comes without content, or with the operation's result filled in
      if (response.getContent() == null || !response.getContent().containsKey(PROBLEM_JSON)) {
        response.setContent(new Content().addMediaType(PROBLEM_JSON,
            new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + SCHEMA))));
      }
    }
  }
}
