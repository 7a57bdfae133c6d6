package org.beear.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --json FILE} of {@code scan} and {@code cleanse}: the release gate's JSON document. */
final class GateJsonFlag {
  @Option(names = "--json", paramLabel = "FILE", description = "also write the policy, its outcome per rule, the "
      + "figures measured (with counts and 95%% bounds) and the model's files with their SHA-256 as JSON")
  Path json;
}
