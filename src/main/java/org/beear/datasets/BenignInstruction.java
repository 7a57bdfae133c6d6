package org.beear.datasets;

/** One Alpaca row: an instruction, an optional input, and the reference output. */
public record BenignInstruction(String instruction, String input, String output) {

  /** The user turn: the instruction, followed by a blank line and the input when there is one. */
  public String prompt() {
    return input.isEmpty() ? instruction : instruction + "\n\n" + input;
  }
}
