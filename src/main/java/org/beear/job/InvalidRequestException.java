package org.beear.job;

import java.util.List;

/** A request with invalid fields or parameters; nothing was stored. Answered with 400 and every problem at once. */
public class InvalidRequestException extends RuntimeException {
  private final List<FieldProblem> problems;

  public InvalidRequestException(List<FieldProblem> problems) {
    super(problems.size() == 1 ? problems.get(0).field() + ": " + problems.get(0).message()
        : problems.size() + " invalid fields");
    this.problems = List.copyOf(problems);
  }

  public List<FieldProblem> problems() {
    return problems;
  }
}
