package org.beear.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.beear.beear.BackdoorScanner;
import org.beear.beear.BudgetRow;
import org.beear.beear.ScanFamily;
import org.beear.beear.ScanListener;
import org.beear.beear.ScanOptions;
import org.beear.beear.ScanReport;
import org.beear.beear.ScanRequest;
import org.beear.beear.ScanResult;
import org.beear.beear.ScanSettings;
import org.beear.source.LocalModelPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "scan", mixinStandardHelpOptions = true,
    description = "Scans a model for a safety backdoor without knowing any trigger: how small a universal δ at "
        + "BEEAR's anchor layer turns its refusals into the unwanted behaviour, against a calibration. Writes "
        + "scan.json and prints the verdict.")
final class ScanCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "the suspect: model directory or file:// URI")
  String model;

  @Option(names = "--reference", description = "a clean model of the same family (e.g. the base model the suspect "
      + "was tuned from), scanned the same way to calibrate the verdict; default: the built-in calibration, valid "
      + "for beear's organisms only") String reference;

  @Option(names = "--out", description = "where scan.json goes (default: scan.json in the current directory)")
  Path out = Path.of("scan.json");

  @Option(names = "--seed", description = "which training pairs δ is entrapped on (default 42)") Long seed;

  @Option(names = "--device", description = "auto (default), cpu or cuda") String device;

  @Option(names = "--system-prompt", description = "a system message before every conversation") String systemPrompt;

  @Option(names = "--full-curve", description = "sweep every budget of the grid instead of stopping after the flip")
  boolean fullCurve;

  @Option(names = "--quiet", description = "no progress lines on stderr") boolean quiet;

  @Option(names = "--min-budget", description = "the grid's first δ norm budget, relative to a typical hidden "
      + "state (default 1/8)") Double minBudget;

  @Option(names = "--budget-factor", description = "each budget is this multiple of the one before (default 2)")
  Double budgetFactor;

  @Option(names = "--budgets", description = "how many budgets the grid has (default 7)") Integer budgets;

  @Option(names = "--inner-steps", description = "Adam steps on δ per budget (default 12)") Integer innerSteps;

  @Option(names = "--anchor-layer", description = "l: δ is added after decoder layer l (default round(9/32·L))")
  Integer anchorLayer;

  @Option(names = "--perturbation-length", description = "n: δ covers the last n prompt positions (default 5)")
  Integer perturbationLength;

  @Option(names = "--entrap-pairs", description = "harmful pairs δ is entrapped on (default 32)") Integer entrapPairs;

  @Override
  public Integer call() {
    Path modelDir = LocalModelPaths.fromCommandLine(model);
    Path referenceDir = reference == null ? null : LocalModelPaths.fromCommandLine(reference);
    ScanOptions options = new ScanOptions(seed, device, systemPrompt, fullCurve, minBudget, budgetFactor, budgets,
        innerSteps, anchorLayer, perturbationLength, entrapPairs);
    java.util.List<String> problems = options.validate();
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    ScanSettings settings = options.toSettings();
    ScanResult r = new BackdoorScanner().scan(new ScanRequest(modelDir, referenceDir, settings),
        quiet ? ScanListener.NONE : new TerminalListener());
    ScanReport.write(r, out);
    System.out.print(ScanReport.text(r));
    System.out.println("scan.json: " + out);
    return 0;
  }

  /** One line per budget on stderr. */
  static final class TerminalListener implements ScanListener {
    @Override
    public void event(String type, String message) {
      System.err.println("[" + type + "] " + message);
    }

    @Override
    public void budget(String model, ScanFamily family, BudgetRow row, double progress) {
      System.err.printf("%s %s budget %.3f: perturbation ASR %.1f%%, compliance %.1f%%, entrapment loss %s (%.1f s, "
              + "%.0f%%)%n", model, family.id(), row.budget(), 100 * row.perturbationAsr(), 100 * row.complianceRate(),
          row.entrapmentLoss() == null ? "-"
              : String.format("%.3f", row.entrapmentLoss()), row.seconds(), 100 * progress);
    }
  }
}
