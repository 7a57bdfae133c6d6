package org.beear.cli;

import org.beear.beear.settings.BeearOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The cleanse options as flags, shared by {@code cleanse}, {@code plan} and {@code bench beear}: one per option
 * declared in {@link BeearOptions} ({@code --anchor-layer} is {@code anchor_layer}).
 */
@Command(modelTransformer = CleanseFlags.Declare.class)
final class CleanseFlags {
  // the command the flags were mixed into: it holds the parsed values
  @Spec(Spec.Target.MIXEE) CommandSpec spec;

  /** The flags given, as the API's options. */
  BeearOptions options() {
    return BeearOptions.fromMap(OptionFlags.given(spec, BeearOptions.SET));
  }

  /** Adds the flags when picocli builds the command. */
  static final class Declare implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      OptionFlags.add(spec, BeearOptions.SET, o -> true);
      return spec;
    }
  }
}
