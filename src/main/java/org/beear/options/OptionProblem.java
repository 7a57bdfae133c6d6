package org.beear.options;

/**
 * One problem with the options: which option (its wire name) and a sentence that names it ("anchor_layer must be at
 * most 1024, got 1025"), so a caller can point at the field and a person can read the message alone.
 */
public record OptionProblem(String option, String message) {

  @Override
  public String toString() {
    return message;
  }
}
