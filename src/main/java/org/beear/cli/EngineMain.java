package org.beear.cli;

import picocli.CommandLine.Command;

/**
 * Entry point of the engine's commands alone, without the service: they start no Spring, and picocli reflects only
 * over these, so they run on a class path without Spring's jars (the CUDA kit of src/bench/cuda carries 8 MiB less).
 * {@code java -cp beear-classes.jar:LIBS org.beear.cli.EngineMain <command>}.
 */
@Command(name = "beear", mixinStandardHelpOptions = true, version = Main.VERSION,
    description = "The engine's commands of beear (no service): generate, bench, plan, cleanse, evaluate, organism.",
    subcommands = {GenerateCommand.class, BenchCommand.class, PlanCommand.class, CleanseCommand.class,
        EvaluateCommand.class, OrganismCommand.class})
public final class EngineMain {
  public static void main(String[] args) {
    Main.run(new EngineMain(), args);
  }
}
