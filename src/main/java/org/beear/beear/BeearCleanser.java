package org.beear.beear;

import java.nio.file.Path;
import java.util.List;
import org.beear.beear.data.DefenderData;
import org.beear.beear.data.DefenderDataSource;
import org.beear.beear.loop.Timings;
import org.beear.beear.relearn.RelearnOutcome;
import org.beear.beear.scan.ScanSummary;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.CheckedModel;
import org.beear.llm.DeviceKind;
import org.beear.llm.GradMode;
import org.beear.llm.ModelConfig;
import org.beear.plan.DeviceSpec;
import org.beear.plan.MemoryPlanner;

/**
 * BEEAR's bi-level loop (Zeng et al. 2024). Each {@link BeearRound} takes a batch of harmful queries, entraps a
 * universal δ with the model frozen ({@link Entrapment}), then takes one removal step on the trained parameters:
 * θ ← θ − η∇[CE(y_safe | x, δ*) + λ·CE(y_anchor | x_anchor)] ({@link Removal}). An epoch is one pass over the
 * defender's harmful set; after each, a fresh δ is entrapped per {@link DefenderFamily} and the worst perturbation
 * ASR on the defender hold-out decides early stopping, once {@code min_epochs} have run.
 *
 * <p>Before anything is loaded, the model is checked once ({@link CheckedModel}) and the options are resolved
 * against its config into {@link CleanseSettings} and planned for the device's memory; a cleanse that does not fit
 * stops there, with the plan, unless the options asked the planner to fit them ({@code fit}). The stages around the
 * training ({@link ScanBeforeCleanse}, {@link Training}, {@link RelearnAfterCleanse}) are handed the checked model
 * and the resolved settings; none of them checks or resolves again.
 */
public final class BeearCleanser implements CleanseEngine {

  @Override
  public void validateModel(Path modelDir) {
    CheckedModel.check(modelDir);
  }

  @Override
  public CleansePlan plan(ModelConfig config, BeearOptions options, DeviceSpec device) {
    CleanseSettings settings = CleanseSettings.resolve(options, config, device.kind());
    // the workload is the cleanse's alone: the scan before it and the relearning check after it run with one model
    // loaded at a time and are not planned (CleanseSettings.CheckSettings)
    if (!options.fitRequested()) {
      return new CleansePlan(settings, MemoryPlanner.plan(config, settings.workload(), device), false);
    }
    MemoryPlanner.Fit fit = MemoryPlanner.fit(config, settings.workload(), device, CleanseSettings.fixedKnobs(options));
    // the planner's choice counts as if the caller had set it, so defaults that follow from it follow (adapter_alpha)
    CleanseSettings fitted = CleanseSettings.resolve(CleanseSettings.withMemory(options, fit.workload().memory()),
        config, device.kind());
    return new CleansePlan(fitted, fit.plan(), true);
  }

  @Override
  public DeviceSpec localDevice(BeearOptions options) {
    DeviceKind kind = DeviceKind.choose(options.get(BeearOptions.DEVICE));
    if (kind == DeviceKind.CUDA) {
      return new DeviceSpec(kind.wireName(), kind.memoryBytes());
    }
    return new DeviceSpec(kind.wireName(), DeviceSpec.machineMemory().orElseThrow(() -> new IllegalArgumentException(
        "cannot tell this machine's memory; give the device memory explicitly")));
  }

  @Override
  public CleanseResult cleanse(CleanseRequest request, CleanseListener listener) {
    CheckedModel model = CheckedModel.check(request.modelDir(), request.baseDir());
    GradMode.off();
    DeviceSpec deviceSpec = request.device() != null ? request.device() : localDevice(request.options());
    CleansePlan plan = plan(model.config(), request.options(), deviceSpec);
    if (!plan.fits()) {
      throw new IllegalArgumentException("the cleanse does not fit the device: " + plan.memory().verdict()
          + (plan.fitted() ? "" : "; set fit: true to let the planner choose memory settings that fit"));
    }
    return run(request, model, plan, listener);
  }

  /**
   * A cleanse of a checked model with planned settings: the cleanse itself, and the control cleanse of the
   * relearning check, which runs the same plan without entrapment ({@link RelearnAfterCleanse}).
   */
  CleanseResult run(CleanseRequest request, CheckedModel model, CleansePlan plan, CleanseListener listener) {
    long start = System.nanoTime();
    CleanseSettings s = plan.settings();
    StagedOutput output = new StagedOutput(request.outputDir(), request.workDir());
    output.checkWritable();
    listener.plan(plan);
    Timings timings = new Timings();
    // bad data fails before any work
    DefenderData data = DefenderDataSource.load(request.defenderData(), request.anchoringData(), s.schedule().seed());
    ScanSummary scan = ScanBeforeCleanse.run(request, model, s, listener, timings); // before training loads the model
    Training.Trained trained = new Training(request, model, s, listener, timings).run(data, output);
    // written aside and renamed into place when complete, report included (StagedOutput)
    try (StagedOutput.Stage staged = trained.staged()) {
      // the training's model is closed: the check loads copies of its own, one at a time
      RelearnOutcome relearn = new RelearnAfterCleanse(this, request, model, plan, listener, timings)
          .run(staged.dir());
      Provenance provenance = CleanseReport.provenance(request, staged.dir());
      CleanseResult result = new CleanseResult(request.outputDir(), request.outputDir().resolve("report.json"),
          trained.before(), trained.after(), List.copyOf(trained.epochs()), trained.earlyStopped(),
          (System.nanoTime() - start) / 1e9, provenance, timings.ordered(), scan, relearn, trained.kept(),
          CleanseReport.predicate(request, provenance, plan, trained));
      CleanseReport.write(staged.dir(), result, request, plan, trained.data(), trained.model(), timings);
      staged.publish(listener);
      listener.event("done", String.format("cleansed in %.0f s: %s", result.seconds(), result.timeBreakdown()));
      return result;
    }
  }
}
