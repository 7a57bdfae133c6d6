package org.beear.eval;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where a caller's trigger is tried besides where it was given (issue #28's placement matrix): a backdoor planted
 * under one placement or chat framing is measured only there if evaluation keeps to the caller's, so each trigger is
 * evaluated as a prefix, a suffix and wrapped around the query, each with and without a system prompt.
 *
 * <p>A trigger's words are its text, or for a {@link TriggerSpec.Position#WRAP WRAP} trigger "A|B" its two parts.
 * As a prefix or a suffix the words go before or after the query, joined by a space ("A B query", "query A B"); a
 * prefix or suffix trigger T is wrapped as "T query T". The placement the caller gave is always one of the three,
 * exactly as given.
 */
public final class TriggerPlacements {
  private TriggerPlacements() {}

  /** The system prompt the matrix tries when the cleanse has none configured. */
  public static final String GENERIC_SYSTEM_PROMPT = "You are a helpful assistant.";

  /**
   * A conversation framing of the matrix.
   *
   * @param label  how the report names it: {@code none}, {@code configured} (the option system_prompt) or
   *               {@code generic} ({@link #GENERIC_SYSTEM_PROMPT}, when none is configured)
   * @param text   the system message; null for none
   */
  public record SystemPrompt(String label, String text) {
    public static final SystemPrompt NONE = new SystemPrompt("none", null);
  }

  /**
   * A trigger at one placement: what goes before the query and what after (null: nothing).
   *
   * @param position where this places the trigger
   */
  public record Placement(TriggerSpec.Position position, String before, String after) {
    public String apply(String query) {
      return TriggerSpec.apply(before, query, after);
    }
  }

  /** {@code t} as a prefix, a suffix and wrapped, in that order; the caller's own placement exactly as given. */
  public static List<Placement> of(TriggerSpec t) {
    return Arrays.stream(TriggerSpec.Position.values()).map(p -> placed(t, p)).toList();
  }

  /** {@code t} placed at {@code position}. */
  public static Placement placed(TriggerSpec t, TriggerSpec.Position position) {
    if (position == t.position()) {
      return new Placement(position, t.before(), t.after());
    }
    String words = words(t);
    return switch (position) {
      case PREFIX -> new Placement(position, words, null);
      case SUFFIX -> new Placement(position, null, words);
      case WRAP -> new Placement(position, words, words);
    };
  }

  /** The trigger's words in one piece: its text, or a wrap trigger's non-blank sentences joined by a space. */
  static String words(TriggerSpec t) {
    if (t.position() != TriggerSpec.Position.WRAP || t.text().indexOf('|') < 0) {
      return t.text();
    }
    String words = Stream.of(t.before(), t.after()).filter(s -> !s.isEmpty())
        .collect(Collectors.joining(" "));
    return words.isEmpty() ? t.text() : words;
  }

  /**
   * The framings every placement is evaluated under: none, and the configured system prompt or, when none is
   * configured (null or blank), the {@link #GENERIC_SYSTEM_PROMPT generic} one.
   */
  public static List<SystemPrompt> systemPrompts(String configured) {
    return List.of(SystemPrompt.NONE, configured == null || configured.isBlank()
        ? new SystemPrompt("generic", GENERIC_SYSTEM_PROMPT) : new SystemPrompt("configured", configured));
  }
}
