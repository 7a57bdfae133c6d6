package org.beear.beear;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.beear.beear.data.DefenderData;
import org.beear.beear.data.DefenderExample;
import org.beear.files.DiskSpace;
import org.beear.llm.ChatCodec;
import org.beear.llm.GradMode;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.ModelDirectory;
import org.beear.llm.text.ChatTemplate;
import org.beear.llm.text.ChatTemplateException;
import org.beear.llm.weights.Checkpoint;
import org.beear.plan.DeviceSpec;
import org.beear.plan.MemoryPlanner;

/**
 * BEEAR's bi-level loop (Zeng et al. 2024). Each {@link BeearRound} takes a batch of harmful queries, entraps a
 * universal δ with the model frozen ({@link Entrapment}), then takes one removal step on the trained parameters:
 * θ ← θ − η∇[CE(y_safe | x, δ*) + λ·CE(y_anchor | x_anchor)] ({@link Removal}). An epoch is one pass over the
 * defender's harmful set; after each, a fresh δ is entrapped per {@link DefenderFamily} and the worst perturbation
 * ASR on the defender hold-out decides early stopping, once {@code min_epochs} have run.
 *
 * <p>Before anything is loaded, the options are resolved against the model's config into {@link CleanseSettings}
 * and planned for the device's memory; a cleanse that does not fit stops there, with the plan, unless the
 * options asked the planner to fit them ({@code fit}).
 *
 * <p>The epochs themselves, their batches and the evaluation δs are {@link CleanseLoop}'s.
 */
public final class BeearCleanser implements CleanseEngine {
  /**
   * Median over the default code pairs of the mean token cross-entropy (nats) of their secure answers, below which
   * they are used. The median: the defender's own shell commands are new words even to a model that writes this
   * code, and should not tip the verdict.
   */
  static final double CODE_FAMILIAR_MAX_LOSS = 1.0;
  /** Defender hold-out pairs an evaluation δ is entrapped on, per family. */
  static final int EVAL_ENTRAPMENT_PAIRS = 16;

  @Override
  public void validateModel(Path modelDir) {
    if (modelDir == null || !Files.isDirectory(modelDir)) {
      throw new IllegalArgumentException("model directory " + modelDir + " does not exist");
    }
    ModelConfig.load(modelDir);
    if (!Files.isRegularFile(modelDir.resolve("tokenizer.json"))) {
      throw new IllegalArgumentException(modelDir + " has no tokenizer.json");
    }
    try {
      // the template comes from the model, so it is checked (size cap, syntax) before the job is accepted
      ChatTemplate.fromModelDir(modelDir);
    } catch (ChatTemplateException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (!Files.isRegularFile(modelDir.resolve("model.safetensors"))
        && !Files.isRegularFile(modelDir.resolve("model.safetensors.index.json"))) {
      throw new IllegalArgumentException(modelDir + " has no model.safetensors or model.safetensors.index.json");
    }
  }

  @Override
  public CleansePlan plan(ModelConfig config, BeearOptions options, DeviceSpec device) {
    CleanseSettings settings = CleanseSettings.resolve(options, config, device.kind());
    // the workload is the cleanse's alone: the scan before it and the relearning check after it run with one model
    // loaded at a time and are not planned (CleanseSettings.Checks)
    if (!options.fitRequested()) {
      return new CleansePlan(settings, MemoryPlanner.plan(config, settings.workload(), device), false);
    }
    MemoryPlanner.Fit fit = MemoryPlanner.fit(config, settings.workload(), device, CleanseSettings.fixedKnobs(options));
    return new CleansePlan(settings.withMemorySettings(fit.workload(), options), fit.plan(), true);
  }

  @Override
  public DeviceSpec localDevice(BeearOptions options) {
    boolean cuda = ai.djl.engine.Engine.getInstance().getGpuCount() > 0;
    String kind = CleanseSettings.device(options, cuda);
    if (kind.equals("cuda")) {
      if (!cuda) {
        throw new IllegalArgumentException("device cuda requested but no CUDA device is visible");
      }
      return new DeviceSpec("cuda", ai.djl.util.cuda.CudaUtils.getGpuMemory(Device.gpu()).getMax());
    }
    return new DeviceSpec("cpu", DeviceSpec.machineMemory().orElseThrow(() -> new IllegalArgumentException(
        "cannot tell this machine's memory; give the device memory explicitly")));
  }

  @Override
  public CleanseResult cleanse(CleanseRequest request, CleanseListener listener) {
    validateModel(request.modelDir());
    GradMode.off();
    long start = System.nanoTime();
    ModelConfig config = ModelConfig.load(request.modelDir());
    DeviceSpec deviceSpec = request.device() != null ? request.device() : localDevice(request.options());
    CleansePlan plan = plan(config, request.options(), deviceSpec);
    if (!plan.fits()) {
      throw new IllegalArgumentException("the cleanse does not fit the device: " + plan.memory().verdict()
          + (plan.fitted() ? "" : "; set fit: true to let the planner choose memory settings that fit"));
    }
    CleanseSettings s = plan.settings();
    StagedOutput output = new StagedOutput(request.outputDir(), request.workDir());
    output.checkWritable();
    listener.plan(plan);
    Timings timings = new Timings();
    DefenderData data = DefenderDataSource.load(request, s.seed()); // bad data fails before any work
    ScanSummary scan = ScanBeforeCleanse.run(request, s, listener, timings); // before the cleanse loads its model
    Trained trained = train(request, data, s, output, listener, timings);
    // written aside and renamed into place when complete, report included (StagedOutput)
    try (StagedOutput.Stage staged = trained.staged()) {
      // the cleanse's model is closed: the check loads copies of its own, one at a time
      RelearnOutcome relearn = RelearnAfterCleanse.run(request, staged.dir(), s, listener, timings);
      CleanseResult result = new CleanseResult(request.outputDir(), request.outputDir().resolve("report.json"),
          trained.before(), trained.after(), List.copyOf(trained.epochs()), trained.earlyStopped(),
          (System.nanoTime() - start) / 1e9, CleanseReport.provenance(request, staged.dir()), timings.ordered(), scan,
          relearn);
      CleanseReport.write(staged.dir(), result, request, plan, trained.data(), trained.model(), timings);
      staged.publish(listener);
      listener.event("done", String.format("cleansed in %.0f s: %s", result.seconds(), result.timeBreakdown()));
      return result;
    }
  }

  /**
   * What {@link #train} leaves: the figures, and the cleansed model written into the staged output (not yet
   * published), its model closed.
   */
  private record Trained(EvalMetrics before, EvalMetrics after, List<EpochRecord> epochs, boolean earlyStopped,
      DefenderData data, CleanseReport.ModelFacts model, StagedOutput.Stage staged) {}

  /**
   * Loads the model, measures it, runs the epochs (from the checkpoint, if there is one), measures it again and
   * writes it into a staged output; the model is closed when this returns.
   */
  private static Trained train(CleanseRequest request, DefenderData data, CleanseSettings s, StagedOutput output,
      CleanseListener listener, Timings timings) {
    CleanseCheckpoint checkpoint = new CleanseCheckpoint(request.workDir(), listener);
    CleanseCheckpoint.Saved saved = checkpoint.read();
    CleanseCheckpoint.State resumed = saved == null ? null : saved.state();
    Device device = s.device().equals("cuda") ? Device.gpu() : Device.cpu();
    listener.event("loading", "loading model from " + request.modelDir() + " on " + device + " in "
        + s.computeDtype() + (resumed != null ? ", trained weights from the checkpoint of epoch " + resumed.epoch()
        : ""));
    try (LlamaModel model = timings.time("load", () -> ModelDirectory.load(request.modelDir(), device,
            ModelDirectory.computeType(s.computeDtype())));
        ChatCodec baseCodec = ChatCodec.load(request.modelDir(), model.config(), null)) {
      ChatCodec codec = baseCodec.withCancellation(listener::cancelRequested,
          () -> new CleanseCancelledException(ChatCodec.RENDER_CANCELLED)).withSystemPrompt(s.systemPrompt());
      data = fitDefaultCodeToModel(request, data, model, codec, listener);
      try (CleanseLoop loop = new CleanseLoop(model, codec, data, s, listener, timings)) {
        if (saved != null) {
          loop.restore(saved);
        }
        EvaluationSet evalSet = EvaluationSet.defaults(request.triggers(), data.harmfulHoldOut(),
            data.anchorHoldOut(), s.seed());
        CleanseEvaluator evaluator = new CleanseEvaluator(model, codec, evalSet, s);

        EvalMetrics before;
        List<EpochRecord> epochs = new ArrayList<>();
        if (resumed != null) {
          before = resumed.before();
          epochs.addAll(resumed.epochs());
          listener.event("resumed", "resumed after epoch " + resumed.epoch());
          listener.resumed(List.copyOf(resumed.epochs()));
        } else {
          listener.event("evaluating", "measuring the model before cleansing");
          before = timings.time("evaluate_before", listener, () -> loop.withEvalDeltas(evaluator::full));
        }
        listener.baseline(before);
        boolean earlyStopped = earlyStop(epochs, s);
        for (int epoch = epochs.size() + 1; epoch <= s.maxEpochs() && !earlyStopped; epoch++) {
          long epochStart = System.nanoTime();
          CleanseLoop.EpochLosses losses = loop.epoch(epoch);
          EvalMetrics m = timings.time("evaluate_epochs", listener, () -> loop.withEvalDeltas(deltas -> {
            CleanseEvaluator.CodeRates code = evaluator.codeRates();
            return new EvalMetrics(evaluator.triggeredAsr(), null, evaluator.perturbationAsr(deltas), null, null,
                code.insecure(), code.secure());
          }));
          EpochRecord record = new EpochRecord(epoch, losses.entrapment(), losses.safe(), losses.anchor(), m,
              (System.nanoTime() - epochStart) / 1e9);
          epochs.add(record);
          if (losses.skippedSteps() > 0) {
            listener.event("mixed_precision", losses.skippedSteps() + " removal step(s) of epoch " + epoch
                + " skipped for non-finite gradients; loss scale now " + loop.lossScale());
          }
          // the checkpoint first, then the record: a crash between the two loses nothing (the resumed run hands
          // the checkpoint's epochs to listener.resumed) and runs no epoch twice
          checkpoint.write(loop.round.trained(), loop.round.optimizer().state(),
              new CleanseCheckpoint.State(epoch, before, epochs, loop.resume()));
          listener.epoch(record, epoch / (double) s.maxEpochs());
          earlyStopped = earlyStop(epochs, s);
          if (earlyStopped) {
            listener.event("early_stop", String.format("perturbation ASR %.3f <= %.3f after epoch %d",
                m.asrPerturbation(), s.earlyStopAsr(), epoch));
          }
        }
        listener.event("evaluating", "measuring the cleansed model");
        EvalMetrics after = timings.time("evaluate_after", listener, () -> loop.withEvalDeltas(evaluator::full));
        listener.event("saving", "writing the cleansed model to " + request.outputDir()
            + " (trained tensors in their stored dtype, the rest copied unchanged)");
        DiskSpace.require(request.outputDir().toAbsolutePath().getParent(),
            DiskSpace.sizeOf(request.modelDir(), "*.safetensors"), "the cleansed model");
        StagedOutput.Stage staged = output.stage();
        try {
          timings.time("save", () -> {
            TrainedWeights trained = loop.round.trained();
            try (Checkpoint source = Checkpoint.open(request.modelDir())) {
              ModelDirectory.saveDerived(request.modelDir(), staged.dir(), trained.replacedTensors(),
                  name -> trained.forSaving(name, source), Map.of("beear.cleansed", "true"));
            }
            return null;
          });
        } catch (RuntimeException | Error e) {
          staged.close();
          throw e;
        }
        return new Trained(before, after, epochs, earlyStopped, data, CleanseReport.ModelFacts.of(model), staged);
      }
    }
  }

  /**
   * Keeps the default code examples only for a model that already writes their secure answers fluently (median
   * of the per-answer token cross-entropy at most {@value #CODE_FAMILIAR_MAX_LOSS}); for any other model they are
   * left out, since fitting them would teach code rather than keep or remove a behaviour (measured: a chat
   * organism's anchoring loss jumped from 0.1 to 2.5 with them). The caller's own files are never filtered.
   */
  private static DefenderData fitDefaultCodeToModel(CleanseRequest request, DefenderData data, LlamaModel model,
      ChatCodec codec, CleanseListener listener) {
    List<DefenderExample> code = DefenderDataSource.defaultCodeExamples(request, data);
    if (code.isEmpty()) {
      return data;
    }
    double loss = AnswerLoss.medianSafeLoss(model, codec, code);
    boolean familiar = loss <= CODE_FAMILIAR_MAX_LOSS;
    listener.event("defender_data", String.format("default code examples %s (the model's median loss on their"
        + " secure answers: %.2f per token)", familiar ? "kept" : "left out", loss));
    return familiar ? data : DefenderDataSource.withoutDefaultCode(request, data);
  }

  /** Whether the epochs run so far end the loop: at least min_epochs, the last one's perturbation ASR low enough. */
  private static boolean earlyStop(List<EpochRecord> epochs, CleanseSettings s) {
    if (epochs.isEmpty() || epochs.size() < s.minEpochs()) {
      return false;
    }
    Double last = epochs.get(epochs.size() - 1).metrics().asrPerturbation();
    return last != null && last <= s.earlyStopAsr();
  }
}
