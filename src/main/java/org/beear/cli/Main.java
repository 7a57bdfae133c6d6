package org.beear.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the jar: {@code java -jar beear.jar <command>}. */
@Command(name = "beear", mixinStandardHelpOptions = true, version = Main.VERSION,
    description = "Removes safety backdoors from instruction-tuned LLMs with BEEAR.",
    subcommands = {ServeCommand.class, DemoCommand.class, CleanseCommand.class, PlanCommand.class, OrganismCommand.class,
        EvaluateCommand.class, GenerateCommand.class, BenchCommand.class, KeysCommand.class, ScanCommand.class,
        ScanRocCommand.class, RelearnCheckCommand.class, StatsCommand.class, JudgeCommand.class, VerifyCommand.class})
public final class Main {
  static final String VERSION = "beear 0.1.0";

  public static void main(String[] args) {
    run(new Main(), args);
  }

  /** Runs a command of {@code root}'s tree as a process does and exits with its status. */
  static void run(Object root, String[] args) {
    Runtime.configure(args.length > 0 ? args[0] : "");
    System.exit(commandLine(root).execute(args));
  }

  /** The command tree as main runs it: a failing command prints one "error: ..." line, no stack trace. */
  static CommandLine commandLine() {
    return commandLine(new Main());
  }

  static CommandLine commandLine(Object root) {
    return new CommandLine(root)
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
          return e instanceof IllegalArgumentException ? 2 : 1;
        });
  }
}
