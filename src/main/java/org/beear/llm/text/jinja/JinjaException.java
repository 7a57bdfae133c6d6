package org.beear.llm.text.jinja;

/**
 * A template that cannot be compiled or rendered. {@link Kind} tells a template's own refusal
 * ({@code raise_exception}) from a syntax error, a runtime type error and a sandbox limit.
 */
public final class JinjaException extends RuntimeException {

  /** Why the template failed. */
  public enum Kind {
    /** The source is not a template this engine reads. */
    SYNTAX,
    /** The template called {@code raise_exception(message)}; the message is the template's. */
    RAISED,
    /** An operation Python's Jinja2 would also refuse (wrong types, undefined attribute, ...). */
    RUNTIME,
    /** A sandbox limit (output, string length, steps, nesting, time) was reached. */
    LIMIT
  }

  private final Kind kind;

  public JinjaException(Kind kind, String message) {
    super(message);
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
}
