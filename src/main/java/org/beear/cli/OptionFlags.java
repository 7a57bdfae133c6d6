package org.beear.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.beear.options.Option;
import org.beear.options.OptionSet;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Command-line flags made from option declarations, so a command that takes a kind of options has one flag per
 * option without writing them again: the wire name in kebab-case ({@code anchor_layer} is {@code --anchor-layer}),
 * its type, and its help with the default and the allowed values. Booleans take an optional value
 * ({@code --scan}, {@code --scan=false}); a list is comma-separated. A flag left out leaves the option unset, so it
 * takes its default.
 */
final class OptionFlags {
  private OptionFlags() {}

  /** Adds a flag for each option of {@code set} that {@code include} accepts. */
  static void add(CommandSpec spec, OptionSet set, Predicate<Option<?>> include) {
    for (Option<?> o : set.options()) {
      if (include.test(o)) {
        spec.addOption(flag(o));
      }
    }
  }

  static OptionSpec flag(Option<?> o) {
    OptionSpec.Builder b = OptionSpec.builder(o.flag()).description(description(o));
    switch (o.type()) {
      case INTEGER -> b.type(Integer.class).paramLabel("N");
      case LONG -> b.type(Long.class).paramLabel("N");
      case NUMBER -> b.type(Double.class).paramLabel("X");
      case TEXT -> b.type(String.class).paramLabel("TEXT");
      case BOOLEAN -> {
        b.type(Boolean.class);
        b.arity(o.negated() ? "0" : "0..1");
      }
      case INTEGER_LIST -> b.type(List.class).auxiliaryTypes(Integer.class).splitRegex(",").paramLabel("N[,N...]");
    }
    return b.build();
  }

  /** The help line: what it does, then its default and allowed values (as the README's table shows them). */
  static String description(Option<?> o) {
    StringBuilder d = new StringBuilder(o.help());
    if (o.negated()) {
      return d.toString();
    }
    d.append(" (default ").append(o.defaultText());
    if (!o.allowedText().isEmpty()) {
      d.append("; ").append(o.allowedText());
    }
    return d.append(')').toString();
  }

  /** The values the flags of {@code set} were given on this command line, by wire name. */
  static Map<String, Object> given(CommandSpec spec, OptionSet set) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Option<?> o : set.options()) {
      OptionSpec flag = spec.findOption(o.flag());
      Object v = flag == null ? null : flag.getValue();
      if (v != null) {
        values.put(o.name(), o.negated() ? !(Boolean) v : v);
      }
    }
    return values;
  }
}
