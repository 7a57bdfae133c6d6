package org.beear.llm.text.jinja;

/**
 * Substring search in time linear in the text, charged to the render's budget: {@code String.indexOf} compares up
 * to the needle's length at each position, which a long needle in a long text (an 8 Mi character {@code 'a' * n}
 * searched for {@code 'a' * m ~ 'b'}) turns into hours; needles longer than {@value #SHORT} characters are searched
 * with Knuth-Morris-Pratt instead.
 */
final class Substrings {
  private Substrings() {}

  /** Needles up to this long are left to String.indexOf: at most this many comparisons per character of text. */
  private static final int SHORT = 16;

  /** The first occurrence of {@code sub} in {@code s} at or after {@code from}, or -1. */
  static int indexOf(String s, String sub, int from, Budget budget) {
    int start = Math.max(0, Math.min(from, s.length()));
    if (sub.isEmpty()) {
      budget.step();
      return start;
    }
    int at = sub.length() <= SHORT ? s.indexOf(sub, start) : search(s, sub, start, false, budget);
    budget.scan((at < 0 ? s.length() : at + sub.length()) - start);
    return at;
  }

  /** The last occurrence of {@code sub} in {@code s}, or -1. */
  static int lastIndexOf(String s, String sub, Budget budget) {
    budget.scan(s.length());
    return sub.length() <= SHORT ? s.lastIndexOf(sub) : search(s, sub, 0, true, budget);
  }

  /** Non-overlapping occurrences of a non-empty {@code sub}, as Python's str.count. */
  static long count(String s, String sub, Budget budget) {
    long n = 0;
    for (int at = indexOf(s, sub, 0, budget); at >= 0; at = indexOf(s, sub, at + sub.length(), budget)) {
      n++;
    }
    return n;
  }

  private static int search(String s, String sub, int from, boolean last, Budget budget) {
    budget.allocate(2L * sub.length()); // the failure table: an int per character of the needle
    int[] failure = new int[sub.length()];
    for (int i = 1, k = 0; i < sub.length(); i++) {
      while (k > 0 && sub.charAt(i) != sub.charAt(k)) {
        k = failure[k - 1];
      }
      if (sub.charAt(i) == sub.charAt(k)) {
        k++;
      }
      failure[i] = k;
    }
    int found = -1;
    for (int i = from, k = 0; i < s.length(); i++) {
      while (k > 0 && s.charAt(i) != sub.charAt(k)) {
        k = failure[k - 1];
      }
      if (s.charAt(i) == sub.charAt(k)) {
        k++;
      }
      if (k == sub.length()) {
        found = i - k + 1;
        if (!last) {
          return found;
        }
        k = failure[k - 1];
      }
    }
    return found;
  }
}
