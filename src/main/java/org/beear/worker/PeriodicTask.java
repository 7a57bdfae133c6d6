package org.beear.worker;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Work a replica repeats while it runs (reaping leases, sweeping work directories): one daemon thread, a fixed
 * delay between passes, and a failed pass logged rather than ending the schedule.
 */
abstract class PeriodicTask implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(PeriodicTask.class);

  private final String threadName;
  private ScheduledExecutorService scheduler;

  PeriodicTask(String threadName) {
    this.threadName = threadName;
  }

  /** Time between the end of one pass and the start of the next. */
  abstract Duration interval();

  /** Whether the first pass runs at start-up rather than one interval later. */
  abstract boolean runAtStart();

  /** One pass. */
  abstract void runOnce();

  @Override
  public synchronized void start() {
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
    long every = interval().toMillis();
    scheduler.scheduleWithFixedDelay(() -> {
      try {
        runOnce();
      } catch (RuntimeException e) {
        log.warn("{} pass failed: {}", threadName, e.toString());
      }
    }, runAtStart() ? 0 : every, every, TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void stop() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return scheduler != null;
  }
}
