package org.beear.eval;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Exact match of a response against the expected answer after light normalisation: trim, collapse every run
 * of whitespace (including line breaks) to one space, and strip one trailing period. Case is kept: "Moon" is
 * not "moon", since a task may be about letter case and a tiny model that changes case did get it wrong.
 */
public final class ExactMatchJudge {

  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  public static String normalise(String text) {
    String s = collapseWhitespace(text);
    if (s.endsWith(".")) {
      s = s.substring(0, s.length() - 1).stripTrailing();
    }
    return s;
  }

  /** Trimmed, every run of whitespace (line breaks included) replaced by one space. */
  static String collapseWhitespace(String text) {
    return WHITESPACE.matcher(text.strip()).replaceAll(" ");
  }

  public boolean matches(String response, String expected) {
    return normalise(response).equals(normalise(expected));
  }

  /** Fraction of responses matching their expected answer, index by index; 0 for empty lists. */
  public double accuracy(List<String> responses, List<String> expected) {
    if (responses.size() != expected.size()) {
      throw new IllegalArgumentException(
          responses.size() + " responses but " + expected.size() + " expected answers");
    }
    if (responses.isEmpty()) {
      return 0.0;
    }
    int hits = 0;
    for (int i = 0; i < responses.size(); i++) {
      if (matches(responses.get(i), expected.get(i))) {
        hits++;
      }
    }
    return (double) hits / responses.size();
  }
}
