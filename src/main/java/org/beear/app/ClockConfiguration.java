package org.beear.app;

import java.time.Clock;
import java.util.UUID;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Who this replica is and what time it is: the clock leases, claims and job times are read from (tests put in one
 * they can move forward), and the replica's identity its workers are named after.
 */
@Configuration(proxyBeanMethods = false)
class ClockConfiguration {

  @Bean
  ReplicaIdentity replicaIdentity(BeearProperties properties, Environment environment) {
    if (properties.worker().replicaId() != null) {
      return new ReplicaIdentity(properties.worker().replicaId(), true);
    }
    if (EmbeddedPostgresConfiguration.NoDatasourceUrl.embedded(environment)) {
      return new ReplicaIdentity("embedded", true); // the embedded database is this process's alone
    }
    return new ReplicaIdentity(UUID.randomUUID().toString().substring(0, 8), false);
  }

  @Bean
  @ConditionalOnMissingBean
  Clock clock() {
    return Clock.systemUTC();
  }
}
