package org.beear.beear.loop;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Wall time per phase of a cleanse, for the report. */
public final class Timings {
  private final Map<String, Double> seconds = new LinkedHashMap<>();

  public <T> T time(String phase, Supplier<T> work) {
    long start = System.nanoTime();
    try {
      return work.get();
    } finally {
      add(phase, start);
    }
  }

  /** Times an evaluation, and reports it to the listener as an {@code evaluation} step. */
  public <T> T time(String phase, LoopListener listener, Supplier<T> work) {
    long start = System.nanoTime();
    try {
      return work.get();
    } finally {
      listener.step("evaluation", add(phase, start));
    }
  }

  /** Adds the time since {@code startNanos} to a phase and returns it in seconds. */
  public double add(String phase, long startNanos) {
    double s = (System.nanoTime() - startNanos) / 1e9;
    seconds.merge(phase, s, Double::sum);
    return s;
  }

  /** Adds {@code seconds} to a phase. */
  public void add(String phase, double seconds) {
    seconds(phase, seconds);
  }

  private void seconds(String phase, double s) {
    this.seconds.merge(phase, s, Double::sum);
  }

  public Map<String, Double> ordered() {
    return new LinkedHashMap<>(seconds);
  }
}
