package org.beear.llm.text.jinja;

/** Counts what one render spends against its {@link TemplateLimits} and stops it when one runs out. */
final class Budget {
  private final TemplateLimits limits;
  private final long deadline;
  private long steps;

  Budget(TemplateLimits limits) {
    this.limits = limits;
    this.deadline = System.nanoTime() + limits.timeout().toNanos();
  }

  void step() {
    if (++steps > limits.maxSteps()) {
      throw new JinjaException(JinjaException.Kind.LIMIT, "template took more than " + limits.maxSteps() + " steps");
    }
    if ((steps & 1023) == 0 && System.nanoTime() > deadline) {
      throw new JinjaException(JinjaException.Kind.LIMIT, "template took longer than " + limits.timeout());
    }
  }

  /** Checks a string about to be built; returns its length for convenience. */
  long string(long length) {
    if (length > limits.maxStringChars()) {
      throw new JinjaException(
          JinjaException.Kind.LIMIT, "template built a string longer than " + limits.maxStringChars() + " characters");
    }
    return length;
  }

  void output(long length) {
    if (length > limits.maxOutputChars()) {
      throw new JinjaException(
          JinjaException.Kind.LIMIT, "template output is longer than " + limits.maxOutputChars() + " characters");
    }
  }
}
