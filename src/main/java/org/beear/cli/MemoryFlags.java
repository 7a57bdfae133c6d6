package org.beear.cli;

import org.beear.beear.settings.BeearOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The cleanse options of the memory group (the ones the planner may choose: optimiser, trained layers, adapters,
 * micro-batches, recomputation, generation batch) and {@code --fit} (let the planner choose those left open) as
 * flags, for {@code bench beear}.
 */
@Command(modelTransformer = MemoryFlags.Declare.class)
final class MemoryFlags {
  // the command the flags were mixed into: it holds the parsed values
  @Spec(Spec.Target.MIXEE) CommandSpec spec;

  /** The flags given, as cleanse options. */
  BeearOptions options() {
    return BeearOptions.fromMap(OptionFlags.given(spec, BeearOptions.SET));
  }

  /** Adds the flags when picocli builds the command. */
  static final class Declare implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      OptionFlags.add(spec, BeearOptions.SET, o -> o.group().equals(BeearOptions.Group.MEMORY)
          || o == BeearOptions.FIT);
      return spec;
    }
  }
}
