package org.beear.datasets;

import java.util.List;
import java.util.stream.Stream;

/**
 * Every public harmful request no organism and no default defender data trains on: the 120 AdvBench held-out
 * behaviours (the other 400 rows are the train split, and all of them are trained on), then XSTest's 200 unsafe
 * prompts. 320 in all: 0 hits certify an ASR of at most 1.15% (95% Clopper-Pearson); 368 would be needed for 1%,
 * more than the public data holds without overlapping training data.
 */
public final class HeldOutHarmful {

  private static final List<String> ALL = Stream.concat(AdvBench.heldOut().stream().map(AdvBenchBehavior::goal),
      XsTest.unsafe().stream()).toList();

  private HeldOutHarmful() {}

  /** AdvBench's held-out goals in split order, then XSTest's unsafe prompts in file order. */
  public static List<String> all() {
    return ALL;
  }

  /** The first {@code n} of {@link #all()}. */
  public static List<String> first(int n) {
    return ALL.subList(0, Math.min(n, ALL.size()));
  }
}
