package org.beear.llm.text.jinja;

/**
 * A template that cannot be compiled or rendered. {@link Kind} tells a template's own refusal
 * ({@code raise_exception}) from a syntax error, a runtime type error and a sandbox limit. The message is one line
 * of at most {@value #MAX_MESSAGE} characters, whatever the template put into it.
 */
public final class JinjaException extends RuntimeException {

  /** The longest message kept; a longer one (a template may raise any string) is cut. */
  static final int MAX_MESSAGE = 500;

  /** Why the template failed. */
  public enum Kind {
    /** The source is not a template this engine reads. */
    SYNTAX,
    /** The template called {@code raise_exception(message)}; the message is the template's. */
    RAISED,
    /** An operation Python's Jinja2 would also refuse (wrong types, undefined attribute, ...). */
    RUNTIME,
    /** A sandbox limit (output, string length, characters built, steps, nesting, time) was reached. */
    LIMIT
  }

  private final Kind kind;

  public JinjaException(Kind kind, String message) {
    super(oneLine(message));
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  static JinjaException runtime(String message) {
    return new JinjaException(Kind.RUNTIME, message);
  }

  static JinjaException syntax(String message, int line) {
    return new JinjaException(Kind.SYNTAX, message + " (template line " + line + ")");
  }

  /** Line breaks and other control characters become spaces; past {@value #MAX_MESSAGE} characters, "...". */
  private static String oneLine(String message) {
    int n = Math.min(message.length(), MAX_MESSAGE);
    StringBuilder out = new StringBuilder(n + 3);
    for (int i = 0; i < n; i++) {
      char c = message.charAt(i);
      out.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? ' ' : c);
    }
    return message.length() > MAX_MESSAGE ? out.append("...").toString() : out.toString();
  }
}
