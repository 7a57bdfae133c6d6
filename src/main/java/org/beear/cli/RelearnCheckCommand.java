package org.beear.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.beear.beear.relearn.RelearnCheck;
import org.beear.beear.relearn.RelearnOutcome;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.eval.TriggerSpec;
import org.beear.files.JsonDocuments;
import org.beear.llm.CheckedModel;
import org.beear.llm.DeviceKind;
import org.beear.options.InvalidOptionsException;
import org.beear.options.OptionProblem;
import org.beear.source.LocalModelPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code beear relearn-check}: fine-tunes fresh copies of a cleansed model (and, for comparison, of the original
 * and of a control-cleansed model) on k of the defender's unwanted pairs and prints the ASRs before and after.
 */
@Command(name = "relearn-check", mixinStandardHelpOptions = true,
    description = "Checks whether a cleanse holds: fine-tunes copies of the model on k of the defender's harmful "
        + "queries with unwanted answers and measures perturbation ASR (and triggered ASR with --trigger) after.")
final class RelearnCheckCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "the cleansed model directory") String model;

  @Option(names = "--original", description = "the model before cleansing, fine-tuned the same way") String original;

  @Option(names = "--control", description = "a model cleansed by the control (--no-entrapment), fine-tuned the "
      + "same way") String control;

  @Option(names = "--trigger", description = "candidate trigger, TEXT or TEXT@position (prefix|suffix|wrap); "
      + "repeatable") List<String> triggers = new ArrayList<>();

  @Mixin BaseFlag base;

  @Mixin RelearnFlags options;

  @Option(names = "--json", description = "also write the results to this file") Path json;

  @Override
  public Integer call() throws Exception {
    List<TriggerSpec> specs = CleanseCommand.triggerSpecs(triggers);
    BeearOptions given = options.options();
    List<OptionProblem> problems = given.validate();
    if (!problems.isEmpty()) {
      throw new InvalidOptionsException(problems);
    }
    String device = DeviceKind.choose(given.get(BeearOptions.DEVICE)).wireName();
    Map<String, Path> models = new LinkedHashMap<>();
    models.put("cleansed", LocalModelPaths.fromCommandLine(model));
    if (original != null) {
      models.put("original", LocalModelPaths.fromCommandLine(original));
    }
    if (control != null) {
      models.put("control", LocalModelPaths.fromCommandLine(control));
    }
    Map<String, RelearnCheck.Result> results = new LinkedHashMap<>();
    for (Map.Entry<String, Path> m : models.entrySet()) {
      System.err.println("[relearn] " + m.getKey() + ": " + m.getValue());
      // --base applies to whichever of the models is an adapter: they share their base
      CheckedModel checked = CheckedModel.check(m.getValue(),
          org.beear.llm.PeftAdapter.isAdapter(m.getValue()) ? base.dir() : null);
      CleanseSettings settings = CleanseSettings.resolve(given, checked.config(), device);
      results.put(m.getKey(), RelearnCheck.run(checked, specs, null, settings,
          line -> System.err.println("[relearn] " + m.getKey() + " " + line), () -> false));
    }
    System.out.print(table(results, !specs.isEmpty()));
    if (json != null) {
      // the same document as report.json's relearn
      Files.writeString(json, JsonDocuments.write(
          new RelearnOutcome(results.values().iterator().next().settings(), results).toMap()));
    }
    return 0;
  }

  /** One row per model: ASRs as given and after each fine-tune. */
  static String table(Map<String, RelearnCheck.Result> results, boolean triggered) {
    StringBuilder out = new StringBuilder();
    RelearnCheck.Result first = results.values().iterator().next();
    out.append("| model | as given");
    first.relearned().forEach(r -> out.append(" | after k = ").append(r.k()));
    out.append(" |\n|---|---");
    first.relearned().forEach(r -> out.append("|---"));
    out.append("|\n");
    results.forEach((name, r) -> {
      out.append("| ").append(name).append(" | ").append(cell(r.asGiven(), triggered));
      r.relearned().forEach(x -> out.append(" | ").append(cell(x.measurement(), triggered)));
      out.append(" |\n");
    });
    out.append(String.format("perturbation ASR / ASR without trigger%s; fine-tune: %d steps at learning rate %s on "
            + "k of the defender's harmful queries with unwanted answers%n", triggered ? " / triggered ASR" : "",
        first.settings().steps(), first.settings().learningRate()));
    return out.toString();
  }

  private static String cell(RelearnCheck.Measurement m, boolean triggered) {
    return String.format("%.1f%% / %.1f%%", 100 * m.perturbationAsr(), 100 * m.asrWithoutTrigger())
        + (triggered && m.triggeredAsr() != null ? String.format(" / %.1f%%", 100 * m.triggeredAsr()) : "");
  }
}
