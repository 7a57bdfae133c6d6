package org.beear.llm.text.jinja;

import java.time.Duration;

/**
 * Bounds on what rendering an untrusted template may cost. Every published chat template needs a few
 * kilobytes of source and output and well under a thousand steps per message, so the defaults leave
 * room for long conversations while stopping a hostile template within a fraction of a second.
 *
 * <p>A step is one statement, expression or loop turn, one element a filter, test, comparison, slice or
 * {@code in} touches, or {@value Budget#CHARS_PER_STEP} characters (or list slots) a string operation scans or
 * copies; the clock is read and the caller's {@link Cancellation} asked at every step.
 *
 * @param maxTemplateChars longest template source accepted
 * @param maxOutputChars longest rendered text
 * @param maxStringChars longest string any operation (concatenation, join, repetition, repr, tojson) may build
 * @param maxAllocatedChars characters all the strings a render builds may hold together (a list slot counts as
 *     {@value Budget#ITEM_CHARS}, a new small object as {@value Budget#OBJECT_CHARS}), counted before each is built
 * @param maxSteps evaluation steps per render (see above)
 * @param maxNesting deepest nesting of blocks and expressions in the source (a chain such as {@code a + b + c}
 *     or {@code x|f|g} nests one level per link)
 * @param maxValueDepth deepest nesting of lists, tuples, dicts and namespaces that repr, tojson, comparison and
 *     hashing walk into
 * @param timeout wall-clock time per render
 */
public record TemplateLimits(int maxTemplateChars, int maxOutputChars, int maxStringChars, long maxAllocatedChars,
    long maxSteps, int maxNesting, int maxValueDepth, Duration timeout) {

  /**
   * 256 Ki characters of source (published templates are under 20 Ki), 8 Mi characters of output and per string,
   * 32 Mi characters built in all, 5 million steps, 100 levels of nesting, 5 s.
   */
  public static final TemplateLimits DEFAULT = new TemplateLimits(256 * 1024, 8 * 1024 * 1024, 8 * 1024 * 1024,
      32L * 1024 * 1024, 5_000_000, 100, 100, Duration.ofSeconds(5));

  public TemplateLimits {
    if (maxTemplateChars <= 0 || maxOutputChars <= 0 || maxStringChars <= 0 || maxAllocatedChars <= 0
        || maxSteps <= 0 || maxNesting <= 0 || maxValueDepth <= 0 || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("template limits must be positive");
    }
  }

  /** These limits with another step count and timeout (tests and the fuzzer stop loops sooner). */
  public TemplateLimits withSteps(long steps, Duration time) {
    return new TemplateLimits(maxTemplateChars, maxOutputChars, maxStringChars, maxAllocatedChars, steps, maxNesting,
        maxValueDepth, time);
  }
}
