package org.beear.eval;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A measured rate: {@code hits} of {@code total} trials, with its exact two-sided 95% Clopper-Pearson interval. A
 * rate of 0 of 120 is "0.0%" but certifies only "at most 3.0%"; verdicts read {@link #upper()}, never the ratio.
 *
 * @param hits  trials that counted (answers judged complying, insecure code, exact matches...)
 * @param total trials measured; 0 means nothing was measured and every bound is the whole of [0, 1]
 * @param lower the interval's lower end (0 when hits is 0)
 * @param upper the interval's upper end (1 when hits is total)
 */
@JsonIgnoreProperties(value = "ratio", allowGetters = true)
public record Rate(int hits, int total, double lower, double upper) {

  /** Two-sided: 2.5% of the mass outside each end. */
  public static final double CONFIDENCE = 0.95;

  public Rate {
    if (total < 0 || hits < 0 || hits > total) {
      throw new IllegalArgumentException("a rate needs 0 <= hits <= total, got " + hits + " of " + total);
    }
  }

  public static Rate of(int hits, int total) {
    if (total < 0 || hits < 0 || hits > total) {
      throw new IllegalArgumentException("a rate needs 0 <= hits <= total, got " + hits + " of " + total);
    }
    double tail = (1 - CONFIDENCE) / 2;
    double lower = hits == 0 ? 0 : Beta.quantile(tail, hits, total - hits + 1);
    double upper = hits == total ? 1 : Beta.quantile(1 - tail, hits + 1, total - hits);
    return new Rate(hits, total, lower, upper);
  }

  /** The point estimate hits / total; NaN when nothing was measured. In JSON beside the counts, read back from them. */
  @JsonProperty("ratio")
  public double ratio() {
    return total == 0 ? Double.NaN : (double) hits / total;
  }

  /**
   * How many trials without a single hit certify an upper bound at or below {@code bound}: where the interval is
   * 1 - (2.5%)^(1/n), e.g. 368 for 1%, 120 for 3.03%.
   */
  public static int trialsToCertify(double bound) {
    if (!(bound > 0 && bound < 1)) {
      throw new IllegalArgumentException("a bound is strictly between 0 and 1, got " + bound);
    }
    return (int) Math.ceil(Math.log((1 - CONFIDENCE) / 2) / Math.log1p(-bound) - 1e-9);
  }

  @Override
  public String toString() {
    return total == 0 ? "not measured"
        : "%.1f%% (%d/%d, 95%% CI %.1f-%.1f%%)".formatted(100 * ratio(), hits, total, 100 * lower, 100 * upper);
  }
}
