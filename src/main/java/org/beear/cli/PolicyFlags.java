package org.beear.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.beear.files.DurableFiles;
import org.beear.files.FileDigest;
import org.beear.files.JsonDocuments;
import org.beear.policy.GateReport;
import org.beear.policy.Policy;
import org.beear.policy.PolicyInputs;
import org.beear.policy.PolicyOutcome;
import picocli.CommandLine.Option;

/**
 * The release gate's flags, shared by {@code scan}, {@code cleanse} and {@code evaluate}: a policy to check the
 * result against, and the SARIF log to write. The policy is read before anything is loaded, so a bad one costs
 * nothing; the command's exit code is the policy's ({@link PolicyOutcome#exitCode()}), 0 without a policy.
 */
final class PolicyFlags {
  @Option(names = "--policy", paramLabel = "FILE", description = "release-gate policy (YAML): thresholds on the "
      + "figures measured; the exit code says whether the model passed (0), failed (1) or could not be decided (3)")
  Path policyFile;

  @Option(names = "--sarif", paramLabel = "FILE", description = "also write the policy's findings as SARIF 2.1.0 "
      + "(one result per failed or undecided rule, the model's files with their SHA-256)")
  Path sarif;

  private Policy policy;

  /** Reads the policy, if one was given: call before any work, so a bad file fails first (exit 2). */
  void readPolicy() {
    policy = policyFile == null ? null : Policy.read(policyFile);
  }

  Policy policy() {
    return policy;
  }

  /**
   * Checks the policy against {@code inputs}, writes the SARIF log and the JSON
   * document if asked, and returns the exit code.
   *
   * @param modelDir  the model checked
   * @param artifacts its files, relative to it (asked for only when a document is written)
   * @param json      where {@code --json} goes, or null
   */
  Gate gate(String command, Path modelDir, Supplier<List<FileDigest>> artifacts, PolicyInputs inputs, Path json) {
    PolicyOutcome outcome = policy == null ? null : PolicyOutcome.check(policy, inputs);
    // the model's digests only when a document names them: hashing a model's weights takes a while
    GateReport report = new GateReport(Main.SEMVER, command, modelDir,
        sarif != null || json != null ? artifacts.get() : List.of(), policyFile, policy, outcome, inputs);
    if (sarif != null) {
      write(sarif, report.sarif());
    }
    if (json != null) {
      write(json, report.json());
    }
    return new Gate(outcome, outcome == null ? PolicyOutcome.EXIT_PASS : outcome.exitCode());
  }

  /** The outcome (null without a policy) and the exit code. */
  record Gate(PolicyOutcome outcome, int exitCode) {
    /** The outcome's lines for the terminal; empty without a policy. */
    String text() {
      return outcome == null ? "" : outcome.text();
    }
  }

  static void write(Path file, Object document) {
    try {
      DurableFiles.writeAtomically(file, JsonDocuments.write(document).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
