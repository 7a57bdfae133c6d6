package org.beear.options;

import java.util.List;

/** Options that cannot run (on this model): every problem at once, each on its option. */
public class InvalidOptionsException extends IllegalArgumentException {
  private final List<OptionProblem> problems;

  public InvalidOptionsException(List<OptionProblem> problems) {
    super("invalid options: " + String.join("; ", problems.stream().map(OptionProblem::message).toList()));
    this.problems = List.copyOf(problems);
  }

  public InvalidOptionsException(OptionProblem problem) {
    this(List.of(problem));
  }

  public List<OptionProblem> problems() {
    return problems;
  }

  /** The messages alone, e.g. for a command line. */
  public List<String> messages() {
    return problems.stream().map(OptionProblem::message).toList();
  }
}
