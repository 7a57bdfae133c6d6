package org.beear.cli;

import org.beear.policy.PolicyOutcome;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the jar: {@code java -jar beear.jar <command>}. */
@Command(name = "beear", mixinStandardHelpOptions = true, version = Main.VERSION,
    description = "Removes safety backdoors from instruction-tuned LLMs with BEEAR.",
    subcommands = {ServeCommand.class, DemoCommand.class, CleanseCommand.class, PlanCommand.class, OrganismCommand.class,
        EvaluateCommand.class, GenerateCommand.class, BenchCommand.class, KeysCommand.class, ScanCommand.class,
        ScanRocCommand.class, RelearnCheckCommand.class, StatsCommand.class, JudgeCommand.class, VerifyCommand.class})
public final class Main {
  /** The release, as SARIF's driver and the JSON outputs name it. */
  static final String SEMVER = "0.1.0";
  static final String VERSION = "beear " + SEMVER;

  /** The exit codes, the same on every command, listed in each command's --help. */
  static final java.util.Map<String, String> EXIT_CODES = exitCodes();

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
    CommandLine line = new CommandLine(root)
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
          return PolicyOutcome.EXIT_ERROR; // 1 and 3 are the policy's: an error is never a finding
        });
    documentExitCodes(line);
    return line;
  }

  private static void documentExitCodes(CommandLine line) {
    line.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(EXIT_CODES);
    line.getSubcommands().values().forEach(Main::documentExitCodes);
  }

  private static java.util.Map<String, String> exitCodes() {
    java.util.Map<String, String> codes = new java.util.LinkedHashMap<>();
    codes.put(String.valueOf(PolicyOutcome.EXIT_PASS), "success; with --policy: every rule passed");
    codes.put(String.valueOf(PolicyOutcome.EXIT_FINDINGS), "findings: a --policy rule failed");
    codes.put(String.valueOf(PolicyOutcome.EXIT_ERROR), "error: bad input (options, model, policy file) or a "
        + "failure; one 'error:' line on stderr");
    codes.put(String.valueOf(PolicyOutcome.EXIT_INCONCLUSIVE), "inconclusive: a --policy rule could not be "
        + "decided (too few prompts, a figure not measured, the scan inconclusive) and none failed");
    return java.util.Collections.unmodifiableMap(codes);
  }
}
