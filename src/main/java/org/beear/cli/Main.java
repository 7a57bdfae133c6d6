package org.beear.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the jar: {@code java -jar beear.jar <command>}. */
@Command(name = "beear", mixinStandardHelpOptions = true, version = "beear 0.1.0",
    description = "Removes safety backdoors from instruction-tuned LLMs with BEEAR.",
    subcommands = {ServeCommand.class, DemoCommand.class, CleanseCommand.class, OrganismCommand.class, EvaluateCommand.class,
        GenerateCommand.class})
public final class Main {

  public static void main(String[] args) {
    Runtime.configure();
    int code = new CommandLine(new Main())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
          return e instanceof IllegalArgumentException ? 2 : 1;
        })
        .execute(args);
    System.exit(code);
  }
}
