package org.beear.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Title, summary and the accepted credentials shown by {@code /v3/api-docs} and Swagger UI. */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfiguration {

  static final String BEARER = "bearer";
  static final String API_KEY = "api-key";

  /** Schemas follow the application's ObjectMapper, so they show the snake_case names the API really uses. */
  @Bean
  ModelResolver modelResolver(ObjectMapper objectMapper) {
    return new ModelResolver(objectMapper);
  }

  /** Swagger UI's "Authorize" button fills these in; every operation needs one of them. */
  @Bean
  OpenAPI beearOpenApi() {
    return new OpenAPI()
        .components(new Components()
            .addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                .description("An API key (bk_...) or, where OIDC is configured, a JWT from the identity provider"))
            .addSecuritySchemes(API_KEY, new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                .in(SecurityScheme.In.HEADER).name("X-API-Key").description("An API key (bk_...)")))
        .addSecurityItem(new SecurityRequirement().addList(BEARER))
        .addSecurityItem(new SecurityRequirement().addList(API_KEY))
        .info(new Info()
        .title("beear cleanse service")
        .version("v1")
        .description("""
            Submit a suspect instruction-tuned model, poll the job, and get a cleansed model and \
            attack-success-rate figures back. Jobs run asynchronously on a worker pool; errors are \
            RFC 7807 problem details. Every call needs a key or token: read lists and gets jobs, submit also \
            creates and cancels them, admin also manages keys; jobs are visible only to their tenant. \
            Without credentials the answer is 401, with too small a role 403."""));
  }
}
