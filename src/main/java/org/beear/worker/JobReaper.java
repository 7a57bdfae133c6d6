package org.beear.worker;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.beear.app.BeearProperties;
import org.beear.job.JobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Finds running jobs whose worker stopped heart-beating and re-queues (or fails) them. Runs on every replica;
 * each pass is a set of guarded UPDATEs, so replicas reaping at once do no harm.
 */
@Component
public class JobReaper implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(JobReaper.class);

  private final JobStore store;
  private final BeearProperties properties;
  private ScheduledExecutorService scheduler;

  public JobReaper(JobStore store, BeearProperties properties) {
    this.store = store;
    this.properties = properties;
  }

  /** One pass; returns how many jobs changed. */
  public int reap() {
    return store.reapExpiredLeases(properties.worker().maxAttempts());
  }

  @Override
  public void start() {
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "beear-reaper");
      t.setDaemon(true);
      return t;
    });
    long every = properties.worker().reaperInterval().toMillis();
    scheduler.scheduleWithFixedDelay(() -> {
      try {
        int changed = reap();
        if (changed > 0) {
          log.info("reaper: {} job(s) with an expired lease handled", changed);
        }
      } catch (RuntimeException e) {
        log.warn("reaper pass failed: {}", e.toString());
      }
    }, every, every, TimeUnit.MILLISECONDS);
  }

  @Override
  public void stop() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
  }

  @Override
  public boolean isRunning() {
    return scheduler != null;
  }
}
