package org.beear.cli;

import org.beear.beear.settings.ScanOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The scan options as flags of {@code beear scan}: one per option of {@link ScanOptions#SET}. */
@Command(modelTransformer = ScanFlags.Declare.class)
final class ScanFlags {
  // the command the flags were mixed into: it holds the parsed values
  @Spec(Spec.Target.MIXEE) CommandSpec spec;

  /** The flags given, as the API's scan options. */
  ScanOptions options() {
    return ScanOptions.fromMap(OptionFlags.given(spec, ScanOptions.SET));
  }

  /** Adds the flags when picocli builds the command. */
  static final class Declare implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      OptionFlags.add(spec, ScanOptions.SET, o -> true);
      return spec;
    }
  }
}
