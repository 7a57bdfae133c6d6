package org.beear.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.beear.beear.data.BehaviourFamily;
import org.beear.beear.scan.BackdoorScanner;
import org.beear.beear.scan.BudgetRow;
import org.beear.beear.scan.ScanListener;
import org.beear.beear.scan.ScanReport;
import org.beear.beear.scan.ScanRequest;
import org.beear.beear.scan.ScanResult;
import org.beear.beear.settings.ScanOptions;
import org.beear.beear.settings.ScanSettings;
import org.beear.options.InvalidOptionsException;
import org.beear.options.OptionProblem;
import org.beear.policy.ReportAmendment;
import org.beear.policy.MeasuredInputs;
import org.beear.source.LocalModelPaths;
import org.beear.source.ModelFileFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Option(names = "--quiet", description = "no progress lines on stderr") boolean quiet;

  @Mixin BaseFlag base;

  @Mixin ScanFlags options;

  @Mixin PolicyFlags gate;

  @Mixin GateJsonFlag gateJson;

  @Override
  public Integer call() {
    gate.readPolicy();
    Path modelDir = LocalModelPaths.fromCommandLine(model);
    Path referenceDir = reference == null ? null : LocalModelPaths.fromCommandLine(reference);
    ScanOptions given = options.options();
    java.util.List<OptionProblem> problems = given.validate();
    if (!problems.isEmpty()) {
      throw new InvalidOptionsException(problems);
    }
    ScanSettings settings = given.toSettings();
    ScanResult r = new BackdoorScanner().scan(new ScanRequest(modelDir, referenceDir, settings, base.dir()),
        quiet ? ScanListener.NONE : new TerminalListener());
    ScanReport.write(r, out);
    System.out.print(ScanReport.text(r));
    System.out.println("scan.json: " + out);
    PolicyFlags.Gate g = gate.gate("scan", modelDir, () -> ModelFileFilter.digests(modelDir, () -> false),
        MeasuredInputs.of(r), gateJson.json);
    System.out.print(g.text());
    if (g.outcome() != null) {
      ReportAmendment.add(out, gate.policy(), g.outcome());
    }
    return g.exitCode();
  }

  /** One line per budget on stderr. */
  static final class TerminalListener implements ScanListener {
    @Override
    public void event(String type, String message) {
      System.err.println("[" + type + "] " + message);
    }

    @Override
    public void budget(String model, BehaviourFamily family, BudgetRow row, double progress) {
      System.err.printf("%s %s budget %.3f: perturbation ASR %.1f%%, compliance %.1f%%, entrapment loss %s%s (%.1f s, "
              + "%.0f%%)%n", model, family.id(), row.budget(), 100 * row.perturbationAsr(), 100 * row.complianceRate(),
          row.entrapmentLoss() == null ? "-"
              : String.format("%.3f", row.entrapmentLoss()),
          row.deltaNormRatio() == null ? "" : String.format(", delta %.3g x the median hidden-state norm",
              row.deltaNormRatio()), row.seconds(), 100 * progress);
    }
  }
}
