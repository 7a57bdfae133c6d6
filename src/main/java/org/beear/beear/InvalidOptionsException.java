package org.beear.beear;

import java.util.List;

/**
 * Options that cannot run on this model: every problem at once, each a sentence that starts with the option's wire
 * name ("anchor_layer must be at most 2 ..."), so a caller can point at the field.
 */
public class InvalidOptionsException extends IllegalArgumentException {
  private final List<String> problems;

  public InvalidOptionsException(List<String> problems) {
    super("invalid options: " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }

  /** The wire name a problem sentence is about: its first word. */
  public static String option(String problem) {
    int space = problem.indexOf(' ');
    return space < 0 ? problem : problem.substring(0, space);
  }
}
