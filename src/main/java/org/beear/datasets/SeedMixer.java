package org.beear.datasets;

/**
 * Derives independent, reproducible seeds from a base seed and a few integers (a SplitMix64 finaliser), so a
 * choice such as "which refusal for example 17" depends only on (seed, 17) and not on the order in which the
 * data was generated.
 */
public final class SeedMixer {

  private SeedMixer() {}

  public static long mix(long... parts) {
    long h = 0x9E3779B97F4A7C15L;
    for (long p : parts) {
      h = finalise(h ^ p) + 0x9E3779B97F4A7C15L;
    }
    return finalise(h);
  }

  /** A non-negative index below {@code bound} derived from the parts. */
  public static int index(int bound, long... parts) {
    return (int) Long.remainderUnsigned(mix(parts), bound);
  }

  private static long finalise(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
