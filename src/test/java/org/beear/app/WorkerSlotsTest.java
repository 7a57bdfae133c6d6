package org.beear.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;

/**
 * {@code beear.worker.slots} says what a worker process does: one job at a time (DJL allows one gradient collector
 * per process). A configuration that asks for more is refused at startup with the reason and what to do instead,
 * rather than starting workers that would only wait for the engine.
 */
class WorkerSlotsTest {

  private static BeearProperties bind(Map<String, String> values) {
    LocalValidatorFactoryBean validator = new LocalValidatorFactoryBean();
    validator.afterPropertiesSet();
    return new Binder(new MapConfigurationPropertySource(values))
        .bindOrCreate("beear", Bindable.of(BeearProperties.class), new ValidationBindHandler(validator));
  }

  @Test
  void oneSlotIsTheDefaultAndAccepted() {
    assertThat(bind(Map.of()).worker().slots()).isEqualTo(1);
    assertThat(bind(Map.of("beear.worker.slots", "1")).worker().slots()).isEqualTo(1);
  }

  @Test
  void moreSlotsThanOneAreRefusedAtStartupWithTheReasonAndTheWayToScale() {
    for (String slots : new String[] {"2", "8"}) {
      assertThatThrownBy(() -> bind(Map.of("beear.worker.slots", slots))).as(slots)
          .isInstanceOf(BindException.class).rootCause()
          .hasMessageContaining("beear.worker.slots")
          .hasMessageContaining("must be 1: a worker process runs one job at a time")
          .hasMessageContaining("run more worker replicas, one per device");
    }
    assertThatThrownBy(() -> bind(Map.of("beear.worker.slots", "0"))).isInstanceOf(BindException.class);
  }
}
