package org.beear.options;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Map;

/**
 * The values a caller sent for one kind of run (a cleanse's options, a scan's): the typed view each kind wraps
 * around its {@link OptionValues}. On the wire, a JSON object of wire names to values.
 */
public interface Options {

  OptionValues values();

  /** The value given for {@code option}, or null (its default). */
  default <T> T get(Option<T> option) {
    return values().get(option);
  }

  /** The options set, by wire name. */
  @JsonValue
  default Map<String, Object> toMap() {
    return values().toMap();
  }

  /** Every problem with the given values whatever the model; empty when they are all usable. */
  default List<OptionProblem> validate() {
    return values().validate();
  }
}
