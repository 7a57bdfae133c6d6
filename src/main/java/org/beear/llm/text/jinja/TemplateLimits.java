package org.beear.llm.text.jinja;

import java.time.Duration;

/**
 * Bounds on what rendering an untrusted template may cost. Every published chat template needs a few
 * kilobytes of source and output and well under a thousand steps per message, so the defaults leave
 * room for long conversations while stopping a hostile template within a fraction of a second.
 *
 * @param maxTemplateChars longest template source accepted
 * @param maxOutputChars longest rendered text
 * @param maxStringChars longest string any operation (concatenation, join, repetition, tojson) may build
 * @param maxSteps evaluation steps (expressions, statements, loop iterations) per render
 * @param maxNesting deepest nesting of blocks and expressions in the source
 * @param timeout wall-clock time per render
 */
public record TemplateLimits(
    int maxTemplateChars, int maxOutputChars, int maxStringChars, long maxSteps, int maxNesting, Duration timeout) {

  /** 256 Ki characters of source (published templates are under 20 Ki), 8 Mi characters of output. */
  public static final TemplateLimits DEFAULT =
      new TemplateLimits(256 * 1024, 8 * 1024 * 1024, 8 * 1024 * 1024, 5_000_000, 100, Duration.ofSeconds(5));

  public TemplateLimits {
    if (maxTemplateChars <= 0 || maxOutputChars <= 0 || maxStringChars <= 0 || maxSteps <= 0 || maxNesting <= 0
        || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("template limits must be positive");
    }
  }
}
