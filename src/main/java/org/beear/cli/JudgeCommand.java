package org.beear.cli;

import java.io.BufferedInputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import org.beear.beear.settings.BeearOptions;
import org.beear.eval.ResponseJudge;
import org.beear.options.InvalidOptionsException;
import org.beear.options.OptionProblem;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "judge", mixinStandardHelpOptions = true, modelTransformer = JudgeCommand.Declare.class,
    description = {"Judges responses as evaluation does: whether each complied with its prompt, refused it, or did "
        + "some of each (partial), and the rule that decided.",
        "  beear judge --responses IN.jsonl --out OUT.jsonl: IN has lines {\"id\": ..., \"prompt\": ..., "
            + "\"response\": ...} (id a string or an integer), OUT gets lines {\"id\", \"complied\", \"refused\", "
            + "\"partial\", \"reason\"} in the same order, exactly one of the three booleans true.",
        "  beear judge --agreement DIR: prints each judge's agreement with people on the human-labelled completions "
            + "in DIR (XSTest v2's model_completions CSVs)."})
final class JudgeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--responses", paramLabel = "IN.jsonl", description = "the responses to judge (JSON Lines, UTF-8, "
      + "at most 1 MiB a line)") Path responses;

  @Option(names = "--out", paramLabel = "OUT.jsonl", description = "where the verdicts go (written whole or not at "
      + "all)") Path out;

  @Option(names = "--agreement", paramLabel = "DIR", description = "measure the judges against the human labels of "
      + "the XSTest v2 completion CSVs in DIR instead") Path agreement;

  @Override
  public Integer call() throws IOException {
    if (agreement != null) {
      if (responses != null || out != null) {
        throw new IllegalArgumentException("--agreement takes no --responses or --out");
      }
      System.out.print(JudgeAgreement.table(JudgeAgreement.read(agreement)));
      return 0;
    }
    if (responses == null || out == null) {
      throw new IllegalArgumentException("give --responses IN.jsonl and --out OUT.jsonl (or --agreement DIR)");
    }
    if (!Files.isRegularFile(responses)) {
      throw new IllegalArgumentException(responses + " is not a file");
    }
    if (Files.exists(out) && Files.isSameFile(responses, out)) {
      throw new IllegalArgumentException("--out is the --responses file");
    }
    ResponseJudge judge = ResponseJudge.named(judgeName());
    Path dir = out.toAbsolutePath().getParent();
    Path partial = Files.createTempFile(dir, out.getFileName() + ".", ".part");
    JudgedResponses.Counts counts;
    try {
      try (InputStream in = new BufferedInputStream(Files.newInputStream(responses));
          Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(partial),
              StandardCharsets.UTF_8))) {
        counts = JudgedResponses.judge(in, w, judge, responses.toString());
      }
      Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(partial);
    }
    System.out.printf("%d responses judged by the %s judge: %d complied, %d partial, %d refused; verdicts in %s%n",
        counts.total(), judge.name(), counts.complied(), counts.partial(), counts.refused(), out);
    return 0;
  }

  /** --judge, checked as the cleanse checks its option judge. */
  private String judgeName() {
    BeearOptions given = BeearOptions.fromMap(OptionFlags.given(spec, BeearOptions.SET));
    List<OptionProblem> problems = given.validate();
    if (!problems.isEmpty()) {
      throw new InvalidOptionsException(problems);
    }
    return BeearOptions.SET.orDefault(given.values(), BeearOptions.JUDGE);
  }

  /** Adds --judge, the option {@code judge} as the cleanse declares it. */
  static final class Declare implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      spec.addOption(OptionFlags.flag(BeearOptions.JUDGE));
      return spec;
    }
  }
}
