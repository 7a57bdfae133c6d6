package org.beear.llm.text.jinja;

/**
 * Counts what one render spends against its {@link TemplateLimits} and stops it when one runs out: steps (with the
 * clock and the caller's {@link Cancellation} read at every one), the length of each string about to be built,
 * the characters built over the whole render, and how deep a walk into a value goes.
 */
final class Budget {
  /** Characters (or list slots) a bulk operation scans or copies per step. */
  static final int CHARS_PER_STEP = 64;
  /** A list slot, in allocated characters. */
  static final int ITEM_CHARS = 4;
  /** A new small object (a number, a one-character string, a tuple), in allocated characters. */
  static final int OBJECT_CHARS = 16;

  private final TemplateLimits limits;
  private final Cancellation cancellation;
  private final long deadline;
  private long steps;
  private long allocated;

  Budget(TemplateLimits limits, Cancellation cancellation) {
    this.limits = limits;
    this.cancellation = cancellation;
    this.deadline = System.nanoTime() + limits.timeout().toNanos();
  }

  void step() {
    steps(1);
  }

  /** Charges {@code n} steps, then checks the step limit, the clock and the cancellation. */
  void steps(long n) {
    steps = saturatedAdd(steps, n);
    if (steps > limits.maxSteps()) {
      throw new JinjaException(JinjaException.Kind.LIMIT, "template took more than " + limits.maxSteps() + " steps");
    }
    if (System.nanoTime() - deadline > 0) {
      throw new JinjaException(JinjaException.Kind.LIMIT,
          "template took longer than " + limits.timeout().toMillis() + " ms");
    }
    cancellation.throwIfCancelled();
  }

  /** Charges bulk work on {@code units} characters or list slots (a scan, a search, a copy). */
  void scan(long units) {
    steps(1 + units / CHARS_PER_STEP);
  }

  /** Checks and charges a string of {@code length} characters about to be built; returns the length. */
  long string(long length) {
    checkLength(length);
    allocate(length);
    return length;
  }

  /** A string under construction grows to {@code length} by {@code added} characters: checked before it does. */
  void grow(long length, long added) {
    checkLength(length);
    allocate(added);
  }

  /** Checks and charges a list of {@code items} slots about to be built. */
  void items(long items) {
    allocate(saturatedMultiply(items, ITEM_CHARS));
  }

  /** Charges {@code chars} allocated characters to the whole render. */
  void allocate(long chars) {
    allocated = saturatedAdd(allocated, chars);
    if (allocated > limits.maxAllocatedChars()) {
      throw new JinjaException(JinjaException.Kind.LIMIT,
          "template built more than " + limits.maxAllocatedChars() + " characters in all");
    }
  }

  /** A walk into a value reached {@code depth} levels of nesting. */
  void depth(int depth) {
    if (depth > limits.maxValueDepth()) {
      throw new JinjaException(JinjaException.Kind.LIMIT,
          "template value is nested more than " + limits.maxValueDepth() + " levels deep");
    }
  }

  void output(long length) {
    if (length > limits.maxOutputChars()) {
      throw new JinjaException(
          JinjaException.Kind.LIMIT, "template output is longer than " + limits.maxOutputChars() + " characters");
    }
  }

  private void checkLength(long length) {
    if (length > limits.maxStringChars()) {
      throw new JinjaException(
          JinjaException.Kind.LIMIT, "template built a string longer than " + limits.maxStringChars() + " characters");
    }
  }

  static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  static long saturatedMultiply(long a, long b) {
    long high = Math.multiplyHigh(a, b);
    long low = a * b;
    return (high == 0 && low >= 0) || (high == -1 && low < 0) ? low : Long.MAX_VALUE;
  }
}
