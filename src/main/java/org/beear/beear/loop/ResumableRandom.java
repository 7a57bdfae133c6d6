package org.beear.beear.loop;

import java.util.Random;

/**
 * {@link Random}'s documented generator (the same numbers as {@code new Random(seed)}) with its 48-bit state
 * readable and settable, so an epoch checkpoint carries the anchor draws on exactly where an uninterrupted run
 * would have. Only {@link #next} is replaced; the cached second value of {@link #nextGaussian} is not part of the
 * state, so a resumable stream must not use it.
 */
final class ResumableRandom extends Random {
  private static final long MULTIPLIER = 0x5DEECE66DL;
  private static final long ADDEND = 0xBL;
  private static final long MASK = (1L << 48) - 1;
  /** Set by Random's constructor through {@link #setSeed}: no initialiser, which would run after it and reset it. */
  private long state;

  ResumableRandom(long seed) {
    super(seed);
  }

  /** A generator that continues from a {@link #state()}. */
  static ResumableRandom fromState(long state) {
    ResumableRandom r = new ResumableRandom(0);
    r.state = state & MASK;
    return r;
  }

  long state() {
    return state;
  }

  @Override
  public synchronized void setSeed(long seed) {
    super.setSeed(seed);
    state = (seed ^ MULTIPLIER) & MASK;
  }

  @Override
  protected int next(int bits) {
    state = (state * MULTIPLIER + ADDEND) & MASK;
    return (int) (state >>> (48 - bits));
  }
}
