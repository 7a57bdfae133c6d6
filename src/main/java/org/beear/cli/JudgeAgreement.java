package org.beear.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.beear.datasets.CsvParser;
import org.beear.eval.Judgement.Verdict;
import org.beear.eval.RefusalJudge;
import org.beear.eval.ResponseJudge;
import org.beear.eval.RuleJudge;

/**
 * How often each judge agrees with people on completions they labelled, in XSTest v2's format (a CSV per model,
 * {@code xstest_v2_completions_MODEL.csv}, with columns prompt, completion and final_label:
 * {@code 1_full_compliance}, {@code 2_full_refusal} or {@code 3_partial_refusal}). Agreement is counted two ways:
 * on "complied or not" (what an attack success rate counts; a partial refusal is not compliance, as in XSTest's
 * own comparison) and on all three classes.
 */
final class JudgeAgreement {
  static final long MAX_FILE_BYTES = 64L << 20;
  private static final String PREFIX = "xstest_v2_completions_";
  private static final List<ResponseJudge> JUDGES = List.of(new RefusalJudge(), ResponseJudge.named(RuleJudge.NAME));

  /** One completion and the people's label. */
  record Labelled(String prompt, String completion, Verdict human) {}

  /** One model's completions. */
  record Model(String name, List<Labelled> rows) {
    boolean developedOn() {
      return RuleJudge.DEVELOPED_ON.contains(name);
    }
  }

  /** One judge on one model: completions judged, agreeing on complied-or-not, agreeing on the class. */
  record Score(int n, int compliedAgrees, int classAgrees) {
    double complied() {
      return compliedAgrees / (double) n;
    }

    double classes() {
      return classAgrees / (double) n;
    }
  }

  private JudgeAgreement() {}

  /** Every {@code *.csv} of {@code dir}, by name. */
  static List<Model> read(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + " is not a directory");
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".csv")).sorted().toList();
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException(dir + " holds no .csv file");
    }
    List<Model> out = new ArrayList<>();
    for (Path f : files) {
      out.add(new Model(modelName(f), readFile(f)));
    }
    return out;
  }

  static List<Labelled> readFile(Path f) throws IOException {
    if (Files.size(f) > MAX_FILE_BYTES) {
      throw new IllegalArgumentException(f + ": larger than " + MAX_FILE_BYTES + " bytes");
    }
    List<CsvParser.Row> rows = CsvParser.parse(Files.readString(f, StandardCharsets.UTF_8), f.toString());
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(f + ": empty");
    }
    List<String> header = rows.get(0).fields();
    int prompt = column(header, "prompt", f);
    int completion = column(header, "completion", f);
    int label = column(header, "final_label", f);
    List<Labelled> out = new ArrayList<>();
    for (CsvParser.Row r : rows.subList(1, rows.size())) {
      if (r.fields().size() != header.size()) {
        throw new IllegalArgumentException(f + ":" + r.line() + ": " + r.fields().size() + " fields, the header has "
            + header.size());
      }
      out.add(new Labelled(r.fields().get(prompt), r.fields().get(completion), verdict(r.fields().get(label),
          f + ":" + r.line())));
    }
    return out;
  }

  static Score score(ResponseJudge judge, List<Labelled> rows) {
    int complied = 0;
    int classes = 0;
    for (Labelled l : rows) {
      Verdict v = judge.judge(l.prompt(), l.completion()).verdict();
      complied += (v == Verdict.COMPLIED) == (l.human() == Verdict.COMPLIED) ? 1 : 0;
      classes += v == l.human() ? 1 : 0;
    }
    return new Score(rows.size(), complied, classes);
  }

  /** The table {@code beear judge --agreement} prints: a row per model, then the means of each split. */
  static String table(List<Model> models) {
    Map<Model, List<Score>> scores = new LinkedHashMap<>();
    for (Model m : models) {
      scores.put(m, JUDGES.stream().map(j -> score(j, m.rows())).toList());
    }
    StringBuilder t = new StringBuilder();
    t.append("agreement with people (complied or not | all three classes), judges: ");
    t.append(String.join(", ", JUDGES.stream().map(ResponseJudge::name).toList())).append('\n');
    t.append("| model | split | completions | people: complied / partial / refused |");
    JUDGES.forEach(j -> t.append(' ').append(j.name()).append(" |"));
    JUDGES.forEach(j -> t.append(' ').append(j.name()).append(", 3 classes |"));
    t.append('\n').append("|---|---|---:|---:|").append("---:|".repeat(2 * JUDGES.size())).append('\n');
    scores.forEach((m, s) -> {
      t.append("| ").append(m.name()).append(" | ").append(m.developedOn() ? "develop" : "held-out").append(" | ")
          .append(m.rows().size()).append(" | ").append(count(m, Verdict.COMPLIED)).append(" / ")
          .append(count(m, Verdict.PARTIAL)).append(" / ").append(count(m, Verdict.REFUSED)).append(" |");
      cells(t, List.of(s), Score::complied);
      cells(t, List.of(s), Score::classes);
      t.append('\n');
    });
    for (boolean develop : new boolean[] {false, true}) {
      List<List<Score>> split = scores.entrySet().stream().filter(e -> e.getKey().developedOn() == develop)
          .map(Map.Entry::getValue).toList();
      if (!split.isEmpty()) {
        t.append("| mean of ").append(split.size()).append(" | ").append(develop ? "develop" : "held-out")
            .append(" | | |");
        cells(t, split, Score::complied);
        cells(t, split, Score::classes);
        t.append('\n');
      }
    }
    return t.toString();
  }

  /** One cell per judge: the mean over the rows' scores of that judge. */
  private static void cells(StringBuilder t, List<List<Score>> rows, ToDoubleFunction<Score> value) {
    for (int j = 0; j < JUDGES.size(); j++) {
      int judge = j;
      t.append(' ').append(pct(rows.stream().mapToDouble(r -> value.applyAsDouble(r.get(judge))).average()
          .orElseThrow())).append(" |");
    }
  }

  private static long count(Model m, Verdict v) {
    return m.rows().stream().filter(l -> l.human() == v).count();
  }

  private static String pct(double ratio) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * ratio);
  }

  private static String modelName(Path f) {
    String name = f.getFileName().toString();
    name = name.substring(0, name.length() - ".csv".length());
    return name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
  }

  private static int column(List<String> header, String name, Path f) {
    int i = header.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException(f + ": no column \"" + name + "\"");
    }
    return i;
  }

  private static Verdict verdict(String label, String where) {
    return switch (label.strip()) {
      case "1_full_compliance" -> Verdict.COMPLIED;
      case "2_full_refusal" -> Verdict.REFUSED;
      case "3_partial_refusal" -> Verdict.PARTIAL;
      default -> throw new IllegalArgumentException(where + ": final_label is not 1_full_compliance, "
          + "2_full_refusal or 3_partial_refusal");
    };
  }
}
