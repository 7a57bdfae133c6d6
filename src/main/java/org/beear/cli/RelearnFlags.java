package org.beear.cli;

import java.util.Set;
import org.beear.beear.settings.BeearOptions;
import org.beear.options.Option;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The flags of {@code relearn-check}: the cleanse options whose settings the check uses (seed, device, dtype,
 * sequence length, system prompt, δ's entrapment, the optimiser and its learning-rate width) and the check's own
 * ({@code --relearn-k}, {@code --relearn-steps}, {@code --relearn-learning-rate}).
 */
@Command(modelTransformer = RelearnFlags.Declare.class)
final class RelearnFlags {
  /** Cleanse options that mean nothing to a relearning check on its own. */
  private static final Set<Option<?>> LEFT_OUT = Set.of(BeearOptions.FIT, BeearOptions.SCAN,
      BeearOptions.RELEARN_CHECK, BeearOptions.RELEARN_CONTROL);

  // the command the flags were mixed into: it holds the parsed values
  @Spec(Spec.Target.MIXEE) CommandSpec spec;

  /** The flags given, as cleanse options with the relearning check on. */
  BeearOptions options() {
    return BeearOptions.fromMap(OptionFlags.given(spec, BeearOptions.SET)).with(BeearOptions.RELEARN_CHECK, true);
  }

  /** Adds the flags when picocli builds the command. */
  static final class Declare implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      OptionFlags.add(spec, BeearOptions.SET, o -> !LEFT_OUT.contains(o));
      return spec;
    }
  }
}
