package org.beear.worker;

import java.time.Duration;
import org.beear.app.BeearProperties;
import org.beear.job.JobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Finds running jobs whose worker stopped heart-beating and re-queues (or fails) them. Runs on every replica;
 * each pass is a set of guarded UPDATEs, so replicas reaping at once do no harm.
 */
@Component
public class JobReaper extends PeriodicTask {

  private static final Logger log = LoggerFactory.getLogger(JobReaper.class);

  private final JobStore store;
  private final BeearProperties properties;

  public JobReaper(JobStore store, BeearProperties properties) {
    super("beear-reaper");
    this.store = store;
    this.properties = properties;
  }

  /** One pass; returns how many jobs changed. */
  public int reap() {
    return store.reapExpiredLeases(properties.worker().maxAttempts());
  }

  @Override
  Duration interval() {
    return properties.worker().reaperInterval();
  }

  @Override
  boolean runAtStart() {
    return false;
  }

  @Override
  void runOnce() {
    int changed = reap();
    if (changed > 0) {
      log.info("reaper: {} job(s) with an expired lease handled", changed);
    }
  }
}
