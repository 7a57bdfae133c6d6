package org.beear.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Title and summary shown by {@code /v3/api-docs} and Swagger UI. */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfiguration {

  /** Schemas follow the application's ObjectMapper, so they show the snake_case names the API really uses. */
  @Bean
  ModelResolver modelResolver(ObjectMapper objectMapper) {
    return new ModelResolver(objectMapper);
  }

  @Bean
  OpenAPI beearOpenApi() {
    return new OpenAPI().info(new Info()
        .title("beear cleanse service")
        .version("v1")
        .description("""
            Submit a suspect instruction-tuned model, poll the job, and get a cleansed model and \
            attack-success-rate figures back. Jobs run asynchronously on a worker pool; errors are \
            RFC 7807 problem details."""));
  }
}
