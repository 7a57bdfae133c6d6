package org.beear.llm.text.jinja;

/**
 * A string under construction whose every addition is checked before it is made: against the render's
 * {@link Budget} (the longest string, the characters built in all), or, for the short descriptions of values in
 * error messages, against a fixed length at which it stops with {@link Full}.
 */
final class TextBuilder {

  /** Thrown by a capped builder when an addition does not fit; what fits was added. */
  static final class Full extends RuntimeException {
    private Full() {
      super(null, null, false, false);
    }
  }

  private static final Full FULL = new Full();

  private final Budget budget;
  private final int cap;
  private final StringBuilder text = new StringBuilder();

  private TextBuilder(Budget budget, int cap) {
    this.budget = budget;
    this.cap = cap;
  }

  /** Charged to the render's budget. */
  TextBuilder(Budget budget) {
    this(budget, Integer.MAX_VALUE);
  }

  /** At most {@code cap} characters, for messages; no budget. */
  static TextBuilder capped(int cap) {
    return new TextBuilder(null, cap);
  }

  TextBuilder append(CharSequence s) {
    return append(s, 0, s.length());
  }

  TextBuilder append(CharSequence s, int start, int end) {
    int n = end - start;
    if (budget != null) {
      budget.grow((long) text.length() + n, n);
    } else if (text.length() + n > cap) {
      text.append(s, start, start + cap - text.length());
      throw FULL;
    }
    text.append(s, start, end);
    return this;
  }

  TextBuilder append(char c) {
    room(1);
    text.append(c);
    return this;
  }

  TextBuilder appendCodePoint(int cp) {
    room(Character.charCount(cp));
    text.appendCodePoint(cp);
    return this;
  }

  private void room(int n) {
    if (budget != null) {
      budget.grow((long) text.length() + n, n);
    } else if (text.length() + n > cap) {
      throw FULL;
    }
  }

  int length() {
    return text.length();
  }

  /** The text so far (the copy is charged too). */
  String build() {
    if (budget != null) {
      budget.allocate(text.length());
    }
    return text.toString();
  }
}
