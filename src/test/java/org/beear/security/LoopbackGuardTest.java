package org.beear.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** Security can be switched off only on a server that only this machine can reach. */
class LoopbackGuardTest {

  @Configuration(proxyBeanMethods = false)
  @EnableConfigurationProperties(BeearSecurityProperties.class)
  @Import(LoopbackGuard.class)
  static class Guarded {}

  private final ApplicationContextRunner context = new ApplicationContextRunner().withUserConfiguration(Guarded.class);

  @Test
  void switchingSecurityOffOnAllInterfacesFailsTheStartWithTheReason() {
    context.withPropertyValues("beear.security.enabled=false").run(c -> {
      assertThat(c).hasFailed();
      assertThat(c.getStartupFailure()).rootCause().hasMessageContaining("beear.security.enabled=false")
          .hasMessageContaining("server.address is unset (all interfaces)");
    });
    context.withPropertyValues("beear.security.enabled=false", "server.address=0.0.0.0")
        .run(c -> assertThat(c).hasFailed());
    context.withPropertyValues("beear.security.enabled=false", "server.address=10.1.2.3")
        .run(c -> assertThat(c).hasFailed());
  }

  @Test
  void switchingSecurityOffOnLoopbackIsAllowedButNotWithAnOpenManagementPort() {
    for (String address : new String[] {"127.0.0.1", "::1", "localhost", "127.0.0.2"}) {
      context.withPropertyValues("beear.security.enabled=false", "server.address=" + address)
          .run(c -> assertThat(c).as(address).hasNotFailed());
    }
    context.withPropertyValues("beear.security.enabled=false", "server.address=127.0.0.1",
        "management.server.port=9001").run(c -> assertThat(c).hasFailed());
    context.withPropertyValues("beear.security.enabled=false", "server.address=127.0.0.1",
        "management.server.port=9001", "management.server.address=127.0.0.1").run(c -> assertThat(c).hasNotFailed());
  }

  @Test
  void securityOnNeedsNoParticularAddress() {
    context.run(c -> assertThat(c).hasNotFailed());
    context.withPropertyValues("server.address=0.0.0.0").run(c -> assertThat(c).hasNotFailed());
  }
}
