package org.beear.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code beear cleanse}'s flags for the checks around the cleanse, and its refusal of values they cannot take. */
class CleanseCommandTest {

  @Test
  void theCheckFlagsAreTheOptionsOfTheSameNames() {
    CleanseCommand command = new CleanseCommand();
    new CommandLine(command).parseArgs("--model", "m", "--out", "o", "--scan", "--relearn-check", "--relearn-k",
        "2,4", "--relearn-steps", "3", "--relearn-learning-rate", "1e-3", "--relearn-control");
    assertThat(command.options.options().toMap()).containsAllEntriesOf(Map.of("scan", true, "relearn_check", true,
        "relearn_k", List.of(2, 4), "relearn_steps", 3, "relearn_learning_rate", 1e-3, "relearn_control", true));
    CleanseCommand plain = new CleanseCommand();
    new CommandLine(plain).parseArgs("--model", "m", "--out", "o");
    assertThat(plain.options.options().toMap()).isEmpty();
  }

  @Test
  void badRelearningValuesAreRefusedBeforeAnythingIsLoaded(@TempDir Path tmp) {
    String organism = TestOrganisms.xs("suffix-short").toString();
    CliRun r = CliRun.of("cleanse", "--model", organism, "--out", tmp.resolve("out").toString(), "--relearn-check",
        "--relearn-k", "0,5");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("error: invalid options: relearn_k values must be 1 – 1000, got [0, 5]");

    r = CliRun.of("cleanse", "--model", organism, "--out", tmp.resolve("out").toString(), "--relearn-k", "5");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("relearn_k is set but relearn_check is not true");
    assertThat(tmp.resolve("out")).doesNotExist();
  }
}
