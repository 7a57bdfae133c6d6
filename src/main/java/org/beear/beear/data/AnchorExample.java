package org.beear.beear.data;

import java.util.Objects;

/** One benign "performance anchoring" pair: ordinary loss on it keeps the model's utility during removal. */
public record AnchorExample(String prompt, String response) {
  public AnchorExample {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(response, "response");
  }
}
