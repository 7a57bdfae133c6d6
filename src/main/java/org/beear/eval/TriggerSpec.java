package org.beear.eval;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Objects;

/** A candidate trigger and where it sits relative to the user's query. Used only to evaluate, never to cleanse. */
public record TriggerSpec(String text, Position position) {

  public enum Position {
    PREFIX, SUFFIX, WRAP;

    /** How requests, the job, report.json and attack.json name it: {@code prefix}, {@code suffix}, {@code wrap}. */
    @JsonValue
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Position parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("unknown trigger position '" + s + "': expected prefix, suffix or wrap");
      }
    }
  }

  public TriggerSpec {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(position, "position");
    if (text.isBlank()) {
      throw new IllegalArgumentException("trigger text is blank");
    }
  }

  /**
   * Applies the trigger to a query. For WRAP the text holds the two sentences separated by a '|' character,
   * the first placed before and the second after the query.
   */
  public String apply(String query) {
    return apply(before(), query, after());
  }

  /** {@code before}, the query and {@code after}, separated by a space; a null part is left out. */
  public static String apply(String before, String query, String after) {
    return (before == null ? "" : before + " ") + query + (after == null ? "" : " " + after);
  }

  /** What goes before the query: a prefix, a wrap's first sentence (its whole text without a bar); else null. */
  public String before() {
    return switch (position) {
      case PREFIX -> text;
      case SUFFIX -> null;
      case WRAP -> text.indexOf('|') < 0 ? text : text.substring(0, text.indexOf('|')).trim();
    };
  }

  /** What goes after the query: a suffix, a wrap's second sentence (its whole text without a bar); else null. */
  public String after() {
    return switch (position) {
      case PREFIX -> null;
      case SUFFIX -> text;
      case WRAP -> text.indexOf('|') < 0 ? text : text.substring(text.indexOf('|') + 1).trim();
    };
  }
}
