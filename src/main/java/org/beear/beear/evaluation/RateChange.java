package org.beear.beear.evaluation;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.beear.eval.Rate;

/**
 * One rate before and after a cleanse, and how far it rose: e.g. over-refusal on XSTest's safe prompts, which a
 * cleanse must not raise beyond a limit. A policy can read the rise or compare the two intervals (e.g. the after
 * rate's upper bound against the before rate's).
 *
 * @param before the rate of the model as given
 * @param after  the rate of the cleansed model
 */
public record RateChange(Rate before, Rate after) {

  /** Over-refusal before and after; null when either was not measured. */
  public static RateChange overRefusal(EvalMetrics before, EvalMetrics after) {
    return before == null || after == null || before.overRefusal() == null || after.overRefusal() == null ? null
        : new RateChange(before.overRefusal(), after.overRefusal());
  }

  /** After minus before, in ratio points (0.02: two percentage points more); negative when it fell. */
  @JsonProperty("rise")
  public double rise() {
    return after.ratio() - before.ratio();
  }

  @Override
  public String toString() {
    return "%s -> %s (%+.1f points)".formatted(before, after, 100 * rise());
  }
}
