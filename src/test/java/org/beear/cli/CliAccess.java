package org.beear.cli;

import java.io.PrintWriter;

/** The command tree as the process runs it, for tests outside this package. */
public final class CliAccess {
  private CliAccess() {}

  /** Runs {@code args} as {@code beear} does and returns its exit code; picocli's errors go to {@code err}. */
  public static int execute(PrintWriter err, String... args) {
    return Main.commandLine().setErr(err).execute(args);
  }
}
