package org.beear.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.domain.EntityScan;
import org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;

/** The cleanse service: REST jobs on PostgreSQL, a worker pool running the cleanse engine, Prometheus metrics. */
@SpringBootApplication(scanBasePackages = {
    "org.beear.app", "org.beear.job", "org.beear.worker", "org.beear.api", "org.beear.source", "org.beear.security",
    "org.beear.limits"},
    // callers are API keys and OIDC tokens (org.beear.security); no generated in-memory user
    exclude = UserDetailsServiceAutoConfiguration.class)
@ConfigurationPropertiesScan({"org.beear.app", "org.beear.security", "org.beear.limits", "org.beear.source"})
@EntityScan("org.beear.job")
@EnableJpaRepositories("org.beear.job")
public class BeearApplication {

  public static void main(String[] args) {
    SpringApplication.run(BeearApplication.class, args);
  }
}
