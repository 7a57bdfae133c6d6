package org.beear.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the jar: {@code java -jar beear.jar <command>}. */
@Command(name = "beear", mixinStandardHelpOptions = true, version = "beear 0.1.0",
    description = "Removes safety backdoors from instruction-tuned LLMs with BEEAR.",
    subcommands = {ServeCommand.class, DemoCommand.class, CleanseCommand.class, PlanCommand.class, OrganismCommand.class,
        EvaluateCommand.class, GenerateCommand.class, BenchCommand.class, KeysCommand.class, ScanCommand.class,
        ScanRocCommand.class, RelearnCheckCommand.class, StatsCommand.class})
public final class Main {

  public static void main(String[] args) {
    Runtime.configure(args.length > 0 ? args[0] : "");
    System.exit(commandLine().execute(args));
  }

  /** The command tree as main runs it: a failing command prints one "error: ..." line, no stack trace. */
  static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
          return e instanceof IllegalArgumentException ? 2 : 1;
        });
  }
}
