package org.beear.beear.data;

import java.util.Objects;

/**
 * One harmful query of the defender's data with the response the model should give (a refusal) and the one it
 * must not give (compliance). BEEAR's entrapment pushes towards {@code unwantedResponse}, its removal towards
 * {@code safeResponse}.
 */
public record DefenderExample(String query, String safeResponse, String unwantedResponse) {
  public DefenderExample {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(safeResponse, "safeResponse");
    Objects.requireNonNull(unwantedResponse, "unwantedResponse");
  }
}
