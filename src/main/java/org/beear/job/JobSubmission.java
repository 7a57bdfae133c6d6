package org.beear.job;

import java.util.List;
import java.util.Map;
import org.beear.beear.settings.BeearOptions;

/**
 * A cleanse request as the API received it, before validation.
 *
 * @param triggers candidate triggers for evaluation; positions still unparsed so every bad one can be reported
 * @param policy   a release-gate policy as a JSON object, unchecked; null: none
 */
public record JobSubmission(
    String modelUri,
    String outputUri,
    BeearOptions options,
    List<Trigger> triggers,
    String defenderDataUri,
    String anchoringDataUri,
    Map<String, Object> policy) {

  public JobSubmission(String modelUri, String outputUri, BeearOptions options, List<Trigger> triggers,
      String defenderDataUri, String anchoringDataUri) {
    this(modelUri, outputUri, options, triggers, defenderDataUri, anchoringDataUri, null);
  }

  public JobSubmission {
    options = options == null ? BeearOptions.defaults() : options;
    triggers = triggers == null ? List.of() : List.copyOf(triggers);
  }

  /** @param position prefix, suffix or wrap */
  public record Trigger(String text, String position) {}
}
