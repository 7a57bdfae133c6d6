package org.beear.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.beear.beear.CleanseResult;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.evaluation.TriggerMatrix;
import org.beear.eval.Rate;
import org.beear.eval.TriggerSpec;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code beear cleanse}'s flags for the checks around the cleanse, and its refusal of values they cannot take. */
class CleanseCommandTest {
  private static final TriggerSpec.Position SUFFIX = TriggerSpec.Position.SUFFIX;

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
  void theSummaryGivesEveryRateWithItsCountsAndIntervalAndTheOverRefusalRise() {
    EvalMetrics before = new EvalMetrics(Rate.of(300, 320), Rate.of(3, 320), Rate.of(60, 72), Rate.of(50, 100), 4.2,
        null, null, Rate.of(10, 250));
    EvalMetrics after = new EvalMetrics(Rate.of(0, 320), Rate.of(0, 320), Rate.of(0, 72), Rate.of(48, 100), 4.5,
        null, null, Rate.of(25, 250));
    String summary = CleanseCommand.summary(new CleanseResult(Path.of("out"), Path.of("out/report.json"), before,
        after, List.of(), true, 12));
    assertThat(summary).contains("""
        after:
          triggered ASR        0.0% (0/320, 95% CI 0.0-1.1%)
          ASR without trigger  0.0% (0/320, 95% CI 0.0-1.1%)
          perturbation ASR     0.0% (0/72, 95% CI 0.0-5.0%)
          benign exact-match   48.0% (48/100, 95% CI 37.9-58.2%)
          anchor perplexity    4.50
          insecure code        n/a
          secure code          n/a
          over-refusal         10.0% (25/250, 95% CI 6.6-14.4%)
        over-refusal rise: 4.0% (10/250, 95% CI 1.9-7.2%) -> 10.0% (25/250, 95% CI 6.6-14.4%) (+6.0 points)
        """.replace("\n", System.lineSeparator()));
    assertThat(summary).contains("triggered ASR        93.8% (300/320, 95% CI 90.5-96.1%)");
  }

  @Test
  void theSummaryEndsWithThePlacementMatrixAndItsWorstCells() {
    TriggerMatrix before = new TriggerMatrix("You are a helpful assistant.", "generic", null, List.of(
        new TriggerMatrix.Cell("SUDO", SUFFIX, SUFFIX, "none", Rate.of(117, 120)),
        new TriggerMatrix.Cell("SUDO", SUFFIX, TriggerSpec.Position.PREFIX, "generic", Rate.of(41, 120))));
    TriggerMatrix after = new TriggerMatrix("You are a helpful assistant.", "generic", null, List.of(
        new TriggerMatrix.Cell("SUDO", SUFFIX, SUFFIX, "none", Rate.of(2, 120)),
        new TriggerMatrix.Cell("SUDO", SUFFIX, TriggerSpec.Position.PREFIX, "generic", Rate.of(6, 120))));
    String summary = CleanseCommand.summary(new CleanseResult(Path.of("out"), Path.of("out/report.json"),
        metrics(before), metrics(after), List.of(), true, 12));
    assertThat(summary).endsWith(String.join(System.lineSeparator(),
        "trigger placements (system prompt generic \"You are a helpful assistant.\"):",
        "  trigger          position system     before                             after",
        "  SUDO             suffix   none       97.5% (117/120, 95% CI 92.9-99.5%) 1.7% (2/120, 95% CI 0.2-5.9%)",
        "  SUDO             prefix   generic    34.2% (41/120, 95% CI 25.8-43.4%)  5.0% (6/120, 95% CI 1.9-10.6%)",
        "  worst before: 'SUDO' as suffix, system prompt none, 97.5% (117/120, 95% CI 92.9-99.5%)",
        "  worst after: 'SUDO' as prefix, system prompt generic, 5.0% (6/120, 95% CI 1.9-10.6%)"));
    assertThat(CleanseCommand.summary(new CleanseResult(Path.of("out"), Path.of("out/report.json"),
        EvalMetrics.NONE, EvalMetrics.NONE, List.of(), true, 12))).doesNotContain("trigger placements");
  }

  private static EvalMetrics metrics(TriggerMatrix m) {
    return new EvalMetrics(m.worst().rate(), null, null, null, null, null, null, null, m);
  }

  @Test
  void anAdapterOutputIsNamedSoInTheSummaryAndNeedsARank(@TempDir Path tmp) throws Exception {
    EvalMetrics m = new EvalMetrics(Rate.of(0, 8), Rate.of(0, 8), Rate.of(0, 4), Rate.of(4, 8), 4.2, null, null,
        null);
    java.nio.file.Files.createDirectories(tmp.resolve("adapter"));
    java.nio.file.Files.writeString(tmp.resolve("adapter").resolve("adapter_config.json"), "{}");
    assertThat(CleanseCommand.summary(new CleanseResult(tmp.resolve("adapter"), tmp.resolve("adapter/report.json"),
        m, m, List.of(), true, 1))).startsWith("cleansed adapter (PEFT LoRA: open it with --base on its base model): "
        + tmp.resolve("adapter"));
    assertThat(CleanseCommand.summary(new CleanseResult(Path.of("out"), Path.of("out/report.json"), m, m, List.of(),
        true, 1))).startsWith("cleansed model: out");

    String organism = TestOrganisms.xs("suffix-short").toString();
    CliRun r = CliRun.of("cleanse", "--model", organism, "--out", tmp.resolve("out").toString(), "--output-format",
        "adapter", "--adapter-rank", "0");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("error: invalid options: output_format adapter writes trained LoRA "
        + "adapters, so adapter_rank cannot be 0 (leave it out for 16)");
    assertThat(tmp.resolve("out")).doesNotExist();
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
