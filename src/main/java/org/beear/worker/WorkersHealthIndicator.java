package org.beear.worker;

import org.beear.app.BeearProperties;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Part of liveness ({@code /livez}): DOWN when this replica should run jobs but none of its worker threads is
 * alive any more, so the orchestrator restarts a process that would otherwise look healthy and never train again.
 */
@Component("workers")
class WorkersHealthIndicator implements HealthIndicator {

  private final WorkerPool pool;
  private final BeearProperties properties;

  WorkersHealthIndicator(WorkerPool pool, BeearProperties properties) {
    this.pool = pool;
    this.properties = properties;
  }

  @Override
  public Health health() {
    if (!properties.worker().enabled()) {
      return Health.up().withDetail("workers", "disabled: an API-only replica").build();
    }
    long alive = pool.aliveWorkers();
    if (pool.isRunning() && alive == 0) {
      return Health.down().withDetail("workers", "no worker thread is alive").build();
    }
    return Health.up().withDetail("alive", alive).build();
  }
}
