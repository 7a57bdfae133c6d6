package org.beear.eval;

import java.util.Locale;

/**
 * Text a model is shown as part of a prompt (a trigger, a system prompt): tabs and line breaks belong there, other
 * control characters (NUL, escapes, C1 controls) do not, and NUL cannot even be stored.
 */
public final class PromptText {

  private PromptText() {}

  /** What is wrong with the text ("has a control character (U+0000) at position 3"), or null when nothing is. */
  public static String controlCharacterProblem(String text) {
    if (text == null) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
        return String.format(Locale.ROOT, "has a control character (U+%04X) at position %d; only tabs and line breaks are allowed",
            (int) c, i);
      }
    }
    return null;
  }
}
