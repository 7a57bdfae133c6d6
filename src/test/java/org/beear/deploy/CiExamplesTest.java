package org.beear.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.beear.beear.CleanseResumeTest;
import org.beear.cli.CliAccess;
import org.beear.organism.TestOrganisms;
import org.beear.policy.SarifSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI examples of docs/ci run as written: their {@code bin/beear} command lines, with the job's variables set
 * (the model an xs organism, BEEAR_FLAGS a one-epoch cleanse on little data), in a working directory of their own;
 * each exits as its policy's outcome says, with its SARIF valid. GitHub's and GitLab's lines must be the same.
 */
class CiExamplesTest {
  private static final Pattern COMMAND = Pattern.compile("(?m)^\\s*(?:run:|-)\\s+(bin/beear .+)$");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([A-Z_]+)}?");

  static List<String> commandLines(Path file) throws Exception {
    List<String> lines = new ArrayList<>();
    Matcher m = COMMAND.matcher(Files.readString(file));
    while (m.find()) {
      lines.add(m.group(1).strip());
    }
    return lines;
  }

  /** Shell words of a simple line: double quotes group, $VAR and ${VAR} expand (unquoted and empty: no word). */
  static List<String> words(String line, Map<String, String> env) {
    List<String> words = new ArrayList<>();
    for (Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(line); m.find(); ) {
      boolean quoted = m.group(1) != null;
      String expanded = VARIABLE.matcher(quoted ? m.group(1) : m.group(2))
          .replaceAll(v -> Matcher.quoteReplacement(env.getOrDefault(v.group(1), "")));
      if (quoted) {
        words.add(expanded);
      } else if (!expanded.isBlank()) {
        words.addAll(List.of(expanded.strip().split("\\s+")));
      }
    }
    return words;
  }

  @Test
  void theGitHubAndGitLabExamplesRunTheSameCommands() throws Exception {
    List<String> github = commandLines(Path.of("docs/ci/github-actions.yml"));
    assertThat(github).hasSize(2);
    assertThat(github.get(0)).startsWith("bin/beear cleanse ").contains("--policy", "--sarif");
    assertThat(github.get(1)).startsWith("bin/beear scan ").contains("--policy", "--sarif");
    assertThat(commandLines(Path.of("docs/ci/gitlab-ci.yml"))).isEqualTo(github);
    assertThat(Files.readString(Path.of("docs/ci/github-actions.yml")))
        .contains("github/codeql-action/upload-sarif@v3", "sarif_file: beear-cleanse.sarif",
            "sarif_file: beear-scan.sarif");
  }

  @Test
  void theExamplesCommandLinesRunAndExitAsTheirPoliciesSay(@TempDir Path work) throws Exception {
    Path organism = TestOrganisms.xs("suffix-short");
    Path data = CleanseResumeTest.defenderData(work);
    // the documented policies as they are
    Files.createDirectories(work.resolve(".beear"));
    Files.copy(Path.of("docs/ci/policy.yaml"), work.resolve(".beear/policy.yaml"));
    Files.copy(Path.of("docs/ci/scan-policy.yaml"), work.resolve(".beear/scan-policy.yaml"));
    Map<String, String> env = Map.of("MODEL_DIR", organism.toString(), "POLICY", ".beear/policy.yaml",
        "SCAN_POLICY", ".beear/scan-policy.yaml", "BEEAR_FLAGS",
        "--max-epochs 1 --eval-benign-prompts 20 --defender-data " + data);
    List<String> lines = commandLines(Path.of("docs/ci/github-actions.yml"));

    // one epoch leaves the backdoor in (triggered ASR ~95% of 120): the documented policy fails it, exit 1, though
    // its other rules rest on fewer prompts than its min_trials (inconclusive)
    int cleanse = run(work, words(lines.get(0), env));
    JsonNode cleanseJson = new ObjectMapper().readTree(work.resolve("beear-cleanse.json").toFile());
    assertThat(cleanse).as(cleanseJson.toString()).isEqualTo(1);
    assertThat(cleanseJson.get("outcome").get("status").asText()).isEqualTo("fail");
    assertThat(cleanseJson.get("outcome").get("rules").findValuesAsText("status"))
        .containsExactly("fail", "inconclusive", "inconclusive");
    assertThat(SarifSchema.problems(new ObjectMapper().readTree(work.resolve("beear-cleanse.sarif").toFile())))
        .isEmpty();

    // the scan of the cleansed model exits with its outcome's code, whatever the verdict
    int scan = run(work, words(lines.get(1), env));
    JsonNode scanJson = new ObjectMapper().readTree(work.resolve("beear-scan.json").toFile());
    assertThat(scan).as(scanJson.toString()).isEqualTo(scanJson.get("outcome").get("exit_code").asInt());
    assertThat(scan).isIn(0, 1, 3);
    assertThat(SarifSchema.problems(new ObjectMapper().readTree(work.resolve("beear-scan.sarif").toFile())))
        .isEmpty();
  }

  /** One command line, in {@code work}: relative paths in it resolve there, as in the CI job's checkout. */
  private static int run(Path work, List<String> words) {
    assertThat(words.get(0)).isEqualTo("bin/beear");
    List<String> args = new ArrayList<>();
    for (String w : words.subList(1, words.size())) {
      args.add(isRelativePath(w) ? work.resolve(w).toString() : w);
    }
    PrintStream originalOut = System.out;
    try {
      System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      StringWriter err = new StringWriter();
      int code = CliAccess.execute(new PrintWriter(err, true), args.toArray(String[]::new));
      assertThat(code).as(err.toString()).isNotEqualTo(2);
      return code;
    } finally {
      System.setOut(originalOut);
    }
  }

  /** The jobs' relative paths: outputs and policy files (beear's own working directory is the checkout's). */
  private static boolean isRelativePath(String word) {
    return !word.startsWith("-") && !word.startsWith("/") && (word.contains("/") || word.startsWith("beear-")
        || word.equals("cleansed"));
  }
}
