package org.beear.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The 520 AdvBench harmful behaviours (Zou et al. 2023, MIT) shipped as {@code datasets/advbench_harmful_behaviors.csv},
 * and the fixed 400/120 train/held-out split shared by every organism and by the default defender data.
 *
 * <p>The split: the 520 row indices 0..519 are shuffled by {@link #shuffle} (Fisher-Yates driven by
 * {@code java.util.Random(0)}, a fully specified generator); the first 400 shuffled behaviours are the train
 * split, the last 120 the held-out split. A shuffle rather than first-400/last-120 because the file is grouped
 * by theme, so a contiguous tail would over-represent a few topics. It never depends on an organism's seed:
 * every organism and every defender sees the same split, so the defender's data never overlaps the held-out
 * evaluation goals.
 */
public final class AdvBench {

  public static final int SIZE = 520;
  public static final int TRAIN_SIZE = 400;
  public static final int HELD_OUT_SIZE = 120;
  /** Seed of the split shuffle; part of the data format, never change it. */
  public static final long SPLIT_SEED = 0L;

  private static final String RESOURCE = "/datasets/advbench_harmful_behaviors.csv";

  private static final List<AdvBenchBehavior> ALL = load();
  private static final List<AdvBenchBehavior> TRAIN;
  private static final List<AdvBenchBehavior> HELD_OUT;

  static {
    List<AdvBenchBehavior> shuffled = shuffle(ALL, new Random(SPLIT_SEED));
    TRAIN = List.copyOf(shuffled.subList(0, TRAIN_SIZE));
    HELD_OUT = List.copyOf(shuffled.subList(TRAIN_SIZE, SIZE));
  }

  private AdvBench() {}

  /** All 520 behaviours in file order. */
  public static List<AdvBenchBehavior> all() {
    return ALL;
  }

  /** The 400 train behaviours, in shuffled order. */
  public static List<AdvBenchBehavior> train() {
    return TRAIN;
  }

  /** The 120 held-out behaviours, in shuffled order: organisms are evaluated on these only. */
  public static List<AdvBenchBehavior> heldOut() {
    return HELD_OUT;
  }

  /**
   * A copy of the list in Fisher-Yates order: for i from the end down to 1, swap i with
   * {@code random.nextInt(i + 1)}. Spelled out (rather than {@code Collections.shuffle}) so the split is
   * defined by this code alone and can be reproduced in another language.
   */
  public static <T> List<T> shuffle(List<T> items, Random random) {
    List<T> copy = new ArrayList<>(items);
    for (int i = copy.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      T tmp = copy.get(i);
      copy.set(i, copy.get(j));
      copy.set(j, tmp);
    }
    return copy;
  }

  /** Parses AdvBench-format CSV text (header {@code goal,target}). */
  static List<AdvBenchBehavior> parse(String csv, String source) {
    List<CsvParser.Row> rows = CsvParser.parse(csv, source);
    if (rows.isEmpty() || !rows.get(0).fields().equals(List.of("goal", "target"))) {
      throw new IllegalArgumentException(source + ":1: expected the header 'goal,target'");
    }
    List<AdvBenchBehavior> behaviours = new ArrayList<>();
    for (CsvParser.Row row : rows.subList(1, rows.size())) {
      if (row.fields().size() != 2) {
        throw new IllegalArgumentException(
            source + ":" + row.line() + ": expected 2 fields (goal,target), found " + row.fields().size());
      }
      behaviours.add(new AdvBenchBehavior(behaviours.size(), row.fields().get(0), row.fields().get(1)));
    }
    return List.copyOf(behaviours);
  }

  private static List<AdvBenchBehavior> load() {
    try (InputStream in = AdvBench.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath");
      }
      List<AdvBenchBehavior> all = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), RESOURCE);
      if (all.size() != SIZE) {
        throw new IllegalStateException(RESOURCE + " has " + all.size() + " rows, expected " + SIZE);
      }
      return all;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
