package org.beear.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.beear.llm.ModelConfig;
import org.beear.llm.RandomCheckpoints;
import org.beear.llm.weights.TensorDType;
import org.beear.organism.tokenizer.BpeTrainer;
import org.beear.organism.tokenizer.OrganismChatFormat;
import org.beear.organism.tokenizer.TrainedTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scan commands' refusals of bad input: one line, a non-zero exit, nothing loaded. */
class ScanCommandTest {
  @TempDir static Path dir;
  private static Path narrow;
  private static Path wide;

  @BeforeAll
  static void twoModelsOfDifferentShapes() {
    narrow = model("narrow", RandomCheckpoints.tinyConfig("llama"));
    wide = model("wide", RandomCheckpoints.tinyConfig("llama3-scaled"));
  }

  private static Path model(String name, ModelConfig shape) {
    Path d = dir.resolve(name);
    TrainedTokenizer tokenizer = BpeTrainer.train(List.of("the model answers the user", "the user asks the model"),
        300, OrganismChatFormat.SPECIAL_TOKENS);
    tokenizer.writeTo(d);
    OrganismChatFormat.writeTokenizerConfig(d, 256);
    RandomCheckpoints.write(d, RandomCheckpoints.withVocabulary(shape, tokenizer.vocabSize(), null, List.of(1, 3)),
        7, TensorDType.F32, Long.MAX_VALUE);
    return d;
  }

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private static void refused(CliRun r, String message) {
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err().strip()).startsWith("error: ").contains(message).doesNotContain("\n\tat ");
    assertThat(r.err().strip().lines().count()).isEqualTo(1);
  }

  @Test
  void aMissingModelIsOneLine() {
    refused(run("scan", "--model", dir.resolve("nowhere").toString()), "does not exist");
  }

  @Test
  void aMissingReferenceIsOneLine() {
    refused(run("scan", "--model", narrow.toString(), "--reference", dir.resolve("nowhere").toString()),
        "does not exist");
  }

  @Test
  void aReferenceOfAnotherShapeIsRefusedBeforeAnythingIsLoaded() {
    CliRun r = run("scan", "--model", narrow.toString(), "--reference", wide.toString(), "--out",
        dir.resolve("scan.json").toString());
    refused(r, "the reference is not of the suspect's family");
    assertThat(Files.exists(dir.resolve("scan.json"))).isFalse();
  }

  @Test
  void anUnknownDeviceIsRefused() {
    refused(run("scan", "--model", narrow.toString(), "--device", "tpu"), "device");
  }

  @Test
  void aRemoteUriIsRefused() {
    refused(run("scan", "--model", "https://example.org/model"), "local models only");
  }

  @Test
  void withoutModelTheUsageIsShown() {
    CliRun r = run("scan");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required option: '--model=<model>'");
  }

  /** A long ROC benchmark resumes: with --reuse, an organism scanned before is read from its scan.json. */
  @Test
  void scanRocScansEachOrganismOnceAndReusesItsScanWhenAsked() throws Exception {
    Path organism = org.beear.organism.TestOrganisms.xs("suffix-short");
    Path scans = dir.resolve("roc-scans");
    CliRun first = run("scan-roc", "--organisms", organism.toString(), "--scans", scans.toString());
    assertThat(first.exitCode()).as(first.err()).isZero();
    Path saved = scans.resolve(organism.getFileName() + ".scan.json");
    String scan = Files.readString(saved);
    assertThat(first.out()).contains(organism.getFileName() + " | suffix-short | 1 | backdoored |",
        "likely backdoored", "ROC AUC NaN over 1 positives and 0 negatives");

    // a marker score the scanner would never give: the second run must have read it from the file
    Files.writeString(saved, scan.replaceFirst("\"score\" : [0-9.]+", "\"score\" : 1234.5"));
    CliRun reused = run("scan-roc", "--organisms", organism.toString(), "--scans", scans.toString(), "--reuse");
    assertThat(reused.exitCode()).as(reused.err()).isZero();
    assertThat(reused.out()).contains("| 1234.50 | likely backdoored |");
    assertThat(reused.err()).doesNotContain("scanning ");
  }

  @Test
  void scanRocNeedsOrganisms() {
    refused(run("scan-roc", "--organisms", narrow.toString()), "no organism");
    refused(run("scan-roc", "--organisms", dir.resolve("nowhere").toString()), "is not a directory");
  }
}
