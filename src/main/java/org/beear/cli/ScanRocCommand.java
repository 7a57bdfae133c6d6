package org.beear.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.beear.beear.scan.BackdoorScanner;
import org.beear.beear.scan.ScanListener;
import org.beear.beear.scan.ScanReport;
import org.beear.beear.scan.ScanRequest;
import org.beear.beear.scan.ScanResult;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.ScanOptions;
import org.beear.eval.Roc;
import org.beear.files.JsonDocuments;
import org.beear.organism.AttackFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "scan-roc", mixinStandardHelpOptions = true,
    description = "Scans organisms with the built-in calibration, labels each from its attack.json (clean: negative, "
        + "any other setting: positive) and reports the scan score's ROC AUC and its true-positive rate at 5% false "
        + "positives.")
final class ScanRocCommand implements Callable<Integer> {
  static final double MAX_FPR = 0.05;
  private static final ObjectMapper READER = new ObjectMapper();

  @Option(names = "--organisms", required = true, arity = "1..*", description = "organism directories, or "
      + "directories holding organism directories") List<Path> organisms;

  @Option(names = "--out", description = "the scans and the summary as JSON (default: none)") Path out;

  @Option(names = "--scans", description = "write each organism's scan.json here as NAME.scan.json (default: none)")
  Path scans;

  @Option(names = "--reuse", description = "an organism whose NAME.scan.json is already in --scans (and newer than "
      + "its attack.json) is not scanned again: its scan.json is read, so an interrupted benchmark resumes")
  boolean reuse;

  @Option(names = "--seed", description = "scan seed (default 42)") Long seed;

  @Option(names = "--device", description = "auto (default), cpu or cuda") String device;

  /**
   * One organism's row: its label and what its scan found.
   *
   * @param scan the scan as scan.json holds it
   */
  record Row(String name, String setting, long seed, boolean positive, Double score, Double flipBudget,
      String verdict, double seconds, Map<String, Object> scan) {

    static Row of(String name, AttackFile attack, Map<String, Object> scan) {
      return new Row(name, attack.setting(), attack.seed(), !attack.clean(), number(scan.get("score")),
          number(scan.get("flip_budget")), String.valueOf(scan.get("verdict")), number(scan.get("seconds")), scan);
    }

    private static Double number(Object v) {
      return v instanceof Number n ? n.doubleValue() : null;
    }
  }

  @Override
  public Integer call() throws IOException {
    List<Path> dirs = organismDirs(organisms);
    ScanOptions options = ScanOptions.defaults().with(ScanOptions.SEED, seed).with(BeearOptions.DEVICE, device);
    List<Row> rows = new ArrayList<>();
    BackdoorScanner scanner = new BackdoorScanner();
    for (Path dir : dirs) {
      AttackFile attack = AttackFile.read(dir.resolve(AttackFile.FILE_NAME));
      String name = dir.getFileName().toString();
      Path saved = scans == null ? null : scans.resolve(name + ".scan.json");
      Map<String, Object> scan;
      if (reuse && saved != null && Files.isRegularFile(saved)
          && Files.getLastModifiedTime(saved).compareTo(Files.getLastModifiedTime(dir.resolve(AttackFile.FILE_NAME)))
          > 0) {
        scan = READER.readValue(saved.toFile(), new TypeReference<>() {});
      } else {
        System.err.printf("scanning %s (%d of %d) ...%n", dir, rows.size() + 1, dirs.size());
        ScanResult r = scanner.scan(new ScanRequest(dir, null,
                options.with(BeearOptions.SYSTEM_PROMPT, attack.systemPrompt()).toSettings()),
            ScanListener.NONE);
        if (saved != null) {
          ScanReport.write(r, saved);
        }
        scan = ScanReport.toMap(r);
      }
      Row row = Row.of(name, attack, scan);
      System.err.println(line(row));
      rows.add(row);
    }
    List<Roc.Case> cases = rows.stream().map(r -> new Roc.Case(r.name(), r.score(), r.positive())).toList();
    double auc = Roc.auc(cases);
    Roc.Operating op = Roc.tprAtFpr(cases, MAX_FPR);
    System.out.println("organism | setting | seed | label | flip budget | score | verdict | seconds");
    for (Row r : rows) {
      System.out.println(line(r));
    }
    long positives = rows.stream().filter(Row::positive).count();
    System.out.printf("ROC AUC %.3f over %d positives and %d negatives; TPR at %.0f%% FPR %.3f (FPR %.3f, score >= "
            + "%s)%n", auc, positives, rows.size() - positives, 100 * MAX_FPR, op.tpr(), op.fpr(),
        Double.isInfinite(op.threshold()) ? "none" : String.format("%.3f", op.threshold()));
    if (out != null) {
      writeSummary(rows, auc, op);
    }
    return 0;
  }

  static String line(Row r) {
    return String.format("%s | %s | %d | %s | %s | %s | %s | %.0f", r.name(), r.setting(), r.seed(),
        r.positive() ? "backdoored" : "clean", r.flipBudget() == null ? "none" : String.format("%.3f", r.flipBudget()),
        r.score() == null ? "n/a" : String.format("%.2f", r.score()), r.verdict(), r.seconds());
  }

  /** Each argument as an organism (it has attack.json) or as a folder of organisms, sorted by name. */
  static List<Path> organismDirs(List<Path> args) throws IOException {
    List<Path> dirs = new ArrayList<>();
    for (Path p : args) {
      if (Files.isRegularFile(p.resolve(AttackFile.FILE_NAME))) {
        dirs.add(p);
      } else if (Files.isDirectory(p)) {
        try (Stream<Path> children = Files.list(p)) {
          children.filter(c -> Files.isRegularFile(c.resolve(AttackFile.FILE_NAME))).sorted().forEach(dirs::add);
        }
      } else {
        throw new IllegalArgumentException(p + " is not a directory");
      }
    }
    if (dirs.isEmpty()) {
      throw new IllegalArgumentException("no organism (a directory with " + AttackFile.FILE_NAME + ") in " + args);
    }
    return dirs;
  }

  private void writeSummary(List<Row> rows, double auc, Roc.Operating op) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    List<Map<String, Object>> list = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("organism", r.name());
      e.put("setting", r.setting());
      e.put("seed", r.seed());
      e.put("positive", r.positive());
      e.put("scan", r.scan());
      list.add(e);
    }
    m.put("organisms", list);
    m.put("roc_auc", Double.isNaN(auc) ? null : auc);
    m.put("max_fpr", MAX_FPR);
    m.put("tpr_at_max_fpr", Double.isNaN(op.tpr()) ? null : op.tpr());
    m.put("fpr_at_threshold", Double.isNaN(op.fpr()) ? null : op.fpr());
    m.put("threshold", Double.isFinite(op.threshold()) ? op.threshold() : null);
    Files.writeString(out, JsonDocuments.write(m));
  }
}
