package org.beear.limits;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.stereotype.Component;

/**
 * Open event streams (SSE) per tenant, in this JVM's memory: each stream holds a connection and polls the database
 * until its job ends, so one tenant must not be able to open them without bound. Per API replica.
 */
@Component
public class EventStreamSlots {

  /** A stream frees its slot when its job ends or its client goes away; no better estimate is at hand. */
  private static final Duration RETRY_AFTER = Duration.ofSeconds(30);

  private final int max;
  private final Map<String, Integer> open = new ConcurrentHashMap<>();

  public EventStreamSlots(LimitsProperties limits) {
    this.max = limits.maxEventStreamsPerTenant();
  }

  /** A slot that is given back once, however many of the stream's endings call {@link Slot#release()}. */
  public interface Slot {
    void release();
  }

  /**
   * Takes a slot for one more stream of the tenant.
   *
   * @throws LimitExceededException when the tenant already has as many streams open as it may
   */
  public Slot acquire(String tenant) {
    boolean[] taken = {false};
    open.compute(tenant, (t, n) -> {
      int now = n == null ? 0 : n;
      if (now >= max) {
        return n;
      }
      taken[0] = true;
      return now + 1;
    });
    if (!taken[0]) {
      throw new LimitExceededException("Too many event streams",
          "tenant '" + tenant + "' already has " + max + " event streams open; close one or wait for its job to end",
          RETRY_AFTER);
    }
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        open.computeIfPresent(tenant, (t, n) -> n <= 1 ? null : n - 1);
      }
    };
  }
}
