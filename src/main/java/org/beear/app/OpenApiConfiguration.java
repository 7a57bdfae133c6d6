package org.beear.app;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Title and summary shown by {@code /v3/api-docs} and Swagger UI. */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfiguration {

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
