package org.beear.options;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Values of some options of one {@link OptionSet}, each of its declared type; an option without a value takes its
 * default. Immutable; in the set's order. What a caller sent (before resolution) or a whole resolved run (after).
 */
public final class OptionValues {
  private final OptionSet set;
  private final Map<String, Object> values;

  OptionValues(OptionSet set, Map<String, Object> values) {
    this.set = set;
    Map<String, Object> ordered = new LinkedHashMap<>();
    for (Option<?> o : set.options()) {
      Object v = values.get(o.name());
      if (v != null) {
        ordered.put(o.name(), v);
      }
    }
    this.values = Collections.unmodifiableMap(ordered);
  }

  public OptionSet set() {
    return set;
  }

  /** The value given for {@code option}, or null. */
  @SuppressWarnings("unchecked")
  public <T> T get(Option<T> option) {
    set.require(option);
    return (T) values.get(option.name());
  }

  public boolean has(Option<?> option) {
    return get(option) != null;
  }

  /** These values with {@code option} set to {@code value} (null: back to its default). */
  public <T> OptionValues with(Option<T> option, T value) {
    set.require(option);
    Map<String, Object> changed = new LinkedHashMap<>(values);
    if (value == null) {
      changed.remove(option.name());
    } else {
      changed.put(option.name(), value);
    }
    return new OptionValues(set, changed);
  }

  /** These values with every value of {@code other} (same set) replacing its own. */
  public OptionValues with(OptionValues other) {
    if (other.set != set) {
      throw new IllegalArgumentException("options of " + other.set.name() + " are not options of " + set.name());
    }
    Map<String, Object> changed = new LinkedHashMap<>(values);
    changed.putAll(other.values);
    return new OptionValues(set, changed);
  }

  /** These values with raw ones (wire names) replacing them; a null value resets an option to its default. */
  public OptionValues with(Map<String, ?> raw) {
    Map<String, Object> merged = new LinkedHashMap<>(values);
    Map<String, Object> set = new LinkedHashMap<>();
    raw.forEach((name, v) -> {
      if (v == null) {
        merged.remove(name);
      } else {
        set.put(name, v);
      }
    });
    merged.putAll(this.set.parse(set).values);
    return new OptionValues(this.set, merged);
  }

  /** The values, by wire name, in the set's order: the wire record's JSON. */
  public Map<String, Object> toMap() {
    return values;
  }

  /** Every problem with these values whatever the model; empty when they are usable. */
  public java.util.List<OptionProblem> validate() {
    return set.validate(this);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OptionValues v && v.set == set && v.values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
