package org.beear.beear.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The anchor draws of earlier runs are unchanged, and a restored state continues the same stream. */
class ResumableRandomTest {

  @Test
  void drawsWhatJavaUtilRandomDrawsAndContinuesFromItsState() {
    for (long seed : new long[] {42, 0, -7, Long.MAX_VALUE}) {
      Random reference = new Random(seed);
      ResumableRandom resumable = new ResumableRandom(seed);
      for (int i = 0; i < 1000; i++) {
        int bound = 1 + i % 300; // powers of two take another path in nextInt
        assertEquals(reference.nextInt(bound), resumable.nextInt(bound), "seed " + seed + " draw " + i);
      }
      ResumableRandom continued = ResumableRandom.fromState(resumable.state());
      List<Integer> a = new ArrayList<>(IntStream.range(0, 50).boxed().toList());
      List<Integer> b = new ArrayList<>(a);
      Collections.shuffle(a, reference);
      Collections.shuffle(b, continued);
      assertEquals(a, b, "seed " + seed);
    }
  }
}
