package org.beear.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.ScanOptions;
import org.beear.options.Option;
import org.beear.options.OptionSet;
import org.beear.options.OptionTable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

/**
 * Every declared option reaches the people who use it: a flag on every command that takes its kind of options
 * (which parses to the option's value), and a row in the README's table, which is the declarations' own text
 * ({@link OptionTable}). The OpenAPI schema is checked by {@code OpenApiTest}. Run with {@code -Dreadme.update=true}
 * to rewrite the README's tables from the declarations.
 */
class OptionsDocumentedTest {

  private static final Path README = Path.of("README.md");

  @Test
  void everyCommandThatTakesOptionsHasAFlagForEachThatParsesToItsValue() {
    check("cleanse", BeearOptions.SET, o -> true, CleanseCommand::new, c -> c.options.options().values());
    check("plan", BeearOptions.SET, o -> true, PlanCommand::new, c -> c.options.options().values());
    check("scan", ScanOptions.SET, o -> true, ScanCommand::new, c -> c.options.options().values());
    check("relearn-check", BeearOptions.SET, o -> o != BeearOptions.FIT && o != BeearOptions.SCAN
        && o != BeearOptions.RELEARN_CHECK && o != BeearOptions.RELEARN_CONTROL, RelearnCheckCommand::new,
        c -> c.options.options().values());
  }

  private static <C> void check(String command, OptionSet set, java.util.function.Predicate<Option<?>> takes,
      java.util.function.Supplier<C> create, Function<C, org.beear.options.OptionValues> read) {
    Object registered = Main.commandLine().getSubcommands().get(command).getCommand();
    assertThat(registered).as(command).isInstanceOf(create.get().getClass());
    for (Option<?> o : set.options()) {
      C instance = create.get();
      CommandLine sub = new CommandLine(instance);
      OptionSpec flag = sub.getCommandSpec().findOption(o.flag());
      if (!takes.test(o)) {
        assertThat(flag).as(command + " has no " + o.flag()).isNull();
        continue;
      }
      assertThat(flag).as(command + " " + o.flag()).isNotNull();
      assertThat(String.join(" ", flag.description())).as(command + " " + o.flag() + " help").contains(o.help());
      Object sample = sample(o);
      List<String> args = new ArrayList<>(required(command));
      if (o.negated()) {
        args.add(o.flag());
      } else {
        args.add(o.flag() + "=" + (sample instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf)
            .toList()) : sample));
      }
      sub.parseArgs(args.toArray(String[]::new));
      assertThat(read.apply(instance).get(o)).as(command + " " + args).isEqualTo(sample);
    }
  }

  /** The flags a command needs besides the option under test. */
  private static List<String> required(String command) {
    return switch (command) {
      case "cleanse" -> List.of("--model", "m", "--out", "o");
      case "plan", "scan", "relearn-check" -> List.of("--model", "m");
      default -> List.of();
    };
  }

  /** A value the option accepts that is not its default, so the flag must have carried it. */
  private static Object sample(Option<?> o) {
    Option.Schema bounds = o.schema();
    return switch (o.type()) {
      case INTEGER -> 3;
      case LONG -> 7L;
      case NUMBER -> bounds.maximum() != null && bounds.maximum().doubleValue() <= 1 ? 0.5
          : bounds.minimum() != null && bounds.minimum().doubleValue() >= 1 ? 3.0 : 0.75;
      case BOOLEAN -> !o.negated();
      case TEXT -> bounds.choices() != null ? bounds.choices().get(bounds.choices().size() - 1) : "a text";
      case INTEGER_LIST -> List.of(2, 4);
    };
  }

  @Test
  void theReadmeTablesAreTheDeclarations() throws IOException {
    String readme = Files.readString(README);
    String updated = readme;
    for (Map.Entry<String, OptionSet> table : Map.of("cleanse", BeearOptions.SET, "scan", ScanOptions.SET)
        .entrySet()) {
      String begin = "<!-- options:" + table.getKey() + " -->\n";
      String end = "<!-- /options:" + table.getKey() + " -->";
      int from = updated.indexOf(begin);
      int to = updated.indexOf(end);
      assertThat(from).as("README has the " + table.getKey() + " options table between " + begin.trim() + " and "
          + end).isNotNegative();
      assertThat(to).isGreaterThan(from);
      String shown = updated.substring(from + begin.length(), to);
      String declared = OptionTable.markdown(table.getValue());
      updated = updated.substring(0, from + begin.length()) + declared + updated.substring(to);
      if (!Boolean.getBoolean("readme.update")) {
        assertThat(shown).as("the README's " + table.getKey() + " options table (rewrite it with "
            + "-Dreadme.update=true)").isEqualTo(declared);
      }
    }
    if (Boolean.getBoolean("readme.update")) {
      Files.writeString(README, updated);
    }
  }
}
