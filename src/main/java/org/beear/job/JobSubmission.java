package org.beear.job;

import java.util.List;
import org.beear.beear.settings.BeearOptions;

/**
 * A cleanse request as the API received it, before validation.
 *
 * @param triggers candidate triggers for evaluation; positions still unparsed so every bad one can be reported
 */
public record JobSubmission(
    String modelUri,
    String outputUri,
    BeearOptions options,
    List<Trigger> triggers,
    String defenderDataUri,
    String anchoringDataUri) {

  public JobSubmission {
    options = options == null ? BeearOptions.defaults() : options;
    triggers = triggers == null ? List.of() : List.copyOf(triggers);
  }

  /** @param position prefix, suffix or wrap */
  public record Trigger(String text, String position) {}
}
