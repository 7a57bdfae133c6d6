package org.beear.worker;

import org.beear.beear.BeearCleanser;
import org.beear.beear.CleanseEngine;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The one place the service gets its {@link CleanseEngine}: BEEAR. Tests may replace the bean with their own. */
@Configuration(proxyBeanMethods = false)
public class EngineConfiguration {

  @Bean
  @ConditionalOnMissingBean
  CleanseEngine cleanseEngine() {
    return new BeearCleanser();
  }
}
