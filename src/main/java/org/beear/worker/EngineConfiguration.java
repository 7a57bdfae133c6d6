package org.beear.worker;

import java.nio.file.Path;
import org.beear.beear.CleanseEngine;
import org.beear.beear.CleanseListener;
import org.beear.beear.CleanseRequest;
import org.beear.beear.CleanseResult;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The one place the service gets its {@link CleanseEngine}. The real engine is
 * {@code org.beear.beear.BeearCleanser}; it is looked up by name so this package compiles before that class
 * exists, and a missing engine fails loudly on use rather than at start-up (API-only replicas need no engine
 * beyond model validation). Tests replace the bean with their own.
 */
@Configuration(proxyBeanMethods = false)
public class EngineConfiguration {

  static final String REAL_ENGINE = "org.beear.beear.BeearCleanser";

  @Bean
  @ConditionalOnMissingBean
  CleanseEngine cleanseEngine() {
    try {
      Class<?> type = Class.forName(REAL_ENGINE);
      return (CleanseEngine) type.getDeclaredConstructor().newInstance();
    } catch (ClassNotFoundException e) {
      return new UnwiredEngine();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot create " + REAL_ENGINE, e);
    }
  }

  /** Stands in until the real engine is on the class path; says so on every call. */
  static final class UnwiredEngine implements CleanseEngine {
    private static final String MESSAGE = "cleanse engine not wired: " + REAL_ENGINE + " is not on the class path";

    @Override
    public void validateModel(Path modelDir) {
      throw new EngineUnavailableException(MESSAGE);
    }

    @Override
    public CleanseResult cleanse(CleanseRequest request, CleanseListener listener) {
      throw new EngineUnavailableException(MESSAGE);
    }
  }
}
