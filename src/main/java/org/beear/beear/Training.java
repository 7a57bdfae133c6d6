package org.beear.beear;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.beear.beear.data.DefenderData;
import org.beear.beear.data.DefenderDataSource;
import org.beear.beear.data.DefenderExample;
import org.beear.beear.evaluation.AnswerLoss;
import org.beear.beear.evaluation.CleanseEvaluator;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.evaluation.EvaluationSet;
import org.beear.beear.loop.CleanseCancelledException;
import org.beear.beear.loop.CleanseCheckpoint;
import org.beear.beear.loop.CleanseLoop;
import org.beear.beear.loop.EpochDeltaNorms;
import org.beear.beear.loop.EpochRecord;
import org.beear.beear.loop.KeptEpoch;
import org.beear.beear.loop.Timings;
import org.beear.beear.loop.TrainedWeights;
import org.beear.beear.settings.CleanseSettings;
import org.beear.files.DiskSpace;
import org.beear.llm.CheckedModel;
import org.beear.llm.ModelDirectory;
import org.beear.llm.LoraConfig;
import org.beear.llm.OpenModel;
import org.beear.llm.PeftAdapter;
import org.beear.llm.weights.Checkpoint;
import org.beear.llm.weights.TensorDType;

/**
 * The training part of a cleanse: loads the model, measures it, runs the epochs (from the checkpoint, if there is
 * one) until the budget or early stopping ends them, measures it again and writes it into a staged output. The model
 * is closed when {@link #run} returns.
 */
final class Training {

  /**
   * What a training leaves: the figures, the epoch whose weights it handed back, and the cleansed model in the
   * staged output (not yet published).
   */
  record Trained(EvalMetrics before, EvalMetrics after, List<EpochRecord> epochs, boolean earlyStopped,
      KeptEpoch kept, DefenderData data, CleanseReport.ModelFacts model, StagedOutput.Stage staged) {}

  private final CleanseRequest request;
  private final CheckedModel checked;
  private final CleanseSettings s;
  private final CleanseListener listener;
  private final Timings timings;

  Training(CleanseRequest request, CheckedModel checked, CleanseSettings s, CleanseListener listener,
      Timings timings) {
    this.request = request;
    this.checked = checked;
    this.s = s;
    this.listener = listener;
    this.timings = timings;
  }

  Trained run(DefenderData data, StagedOutput output) {
    CleanseCheckpoint checkpoint = new CleanseCheckpoint(request.workDir(), listener);
    CleanseCheckpoint.Saved saved = checkpoint.read();
    CleanseCheckpoint.State resumed = saved == null ? null : saved.state();
    listener.event("loading", "loading model from " + request.modelDir() + " on " + s.runtime().device().device()
        + " in " + s.runtime().computeDtype() + (resumed != null ? ", trained weights from the checkpoint of epoch "
        + resumed.epoch() : ""));
    try (OpenModel open = timings.time("load", () -> checked.open(s.runtime().device(), s.runtime().computeDtype(),
        s.runtime().systemPrompt(), CleanseCancelledException.polling(listener::cancelRequested)))) {
      data = fitDefaultCodeToModel(data, open);
      try (CleanseLoop loop = new CleanseLoop(open.model(), open.codec(), data, s, listener, timings)) {
        if (saved != null) {
          loop.restore(saved);
        }
        CleanseEvaluator evaluator = new CleanseEvaluator(open.model(), open.codec(), EvaluationSet.defaults(
            request.triggers(), data.harmfulHoldOut(), data.anchorHoldOut(), s.schedule().seed(), s.evaluation()),
            s);
        EvalMetrics before;
        List<EpochRecord> epochs = new ArrayList<>();
        if (resumed != null) {
          before = resumed.before();
          epochs.addAll(resumed.epochs());
          listener.event("resumed", "resumed after epoch " + resumed.epoch());
          listener.resumed(List.copyOf(resumed.epochs()));
        } else {
          listener.event("evaluating", "measuring the model before cleansing");
          before = timings.time("evaluate_before", listener, () -> loop.withEvalDeltas(evaluator::full)).value();
        }
        listener.baseline(before);
        boolean earlyStopped = earlyStop(epochs);
        for (int epoch = epochs.size() + 1; epoch <= s.schedule().maxEpochs() && !earlyStopped; epoch++) {
          EpochRecord record = epoch(loop, evaluator, epoch);
          epochs.add(record);
          // the checkpoint first, then the record: a crash between the two loses nothing (the resumed run hands
          // the checkpoint's epochs to listener.resumed) and runs no epoch twice
          checkpoint.write(loop.round.trained(), loop.round.optimizer().state(),
              new CleanseCheckpoint.State(epoch, before, epochs, loop.resume()),
              KeptEpoch.toKeep(epochs, s.schedule().minEpochs()));
          listener.epoch(record, epoch / (double) s.schedule().maxEpochs());
          earlyStopped = earlyStop(epochs);
          if (earlyStopped) {
            listener.event("early_stop", String.format("perturbation ASR %s: upper bound <= %.1f%% after epoch %d",
                record.metrics().asrPerturbation(), 100 * s.schedule().earlyStopAsr(), epoch));
          }
        }
        KeptEpoch kept = keep(checkpoint, loop, epochs);
        listener.event("evaluating", "measuring the cleansed model");
        EvalMetrics after = timings.time("evaluate_after", listener,
            () -> loop.withEvalDeltas(evaluator::full)).value();
        StagedOutput.Stage staged = save(loop, output);
        return new Trained(before, after, epochs, earlyStopped, kept, data,
            CleanseReport.ModelFacts.of(open.model()), staged);
      }
    }
  }

  /**
   * Puts back the weights of the epoch to hand back ({@link KeptEpoch}) when it is not the last one: its checkpoint
   * outlived the newer ones for this.
   */
  private KeptEpoch keep(CleanseCheckpoint checkpoint, CleanseLoop loop, List<EpochRecord> epochs) {
    if (epochs.isEmpty()) {
      return null;
    }
    KeptEpoch kept = KeptEpoch.choose(epochs, s.schedule().minEpochs());
    if (kept.epoch() != epochs.get(epochs.size() - 1).epoch()) {
      CleanseCheckpoint.Saved saved = checkpoint.readEpoch(kept.epoch());
      if (saved == null) {
        throw new IllegalStateException("the checkpoint of epoch " + kept.epoch() + ", the one to hand back, is gone"
            + " from " + request.workDir());
      }
      CleanseCheckpoint.restoreWeights(saved, loop.round.trained());
    }
    listener.event("kept_epoch", kept.reason());
    return kept;
  }

  /** One epoch of rounds, then the figures the stop decides on. */
  private EpochRecord epoch(CleanseLoop loop, CleanseEvaluator evaluator, int epoch) {
    long epochStart = System.nanoTime();
    CleanseLoop.EpochLosses losses = loop.epoch(epoch);
    CleanseLoop.Evaluated<EvalMetrics> evaluated = timings.time("evaluate_epochs", listener,
        () -> loop.withEvalDeltas(deltas -> {
          CleanseEvaluator.CodeRates code = evaluator.codeRates();
          return EvalMetrics.ofEpoch(evaluator.triggeredAsr(), evaluator.perturbationAsr(deltas), code.insecure(),
              code.secure());
        }));
    EvalMetrics m = evaluated.value();
    Map<String, EpochRecord.DeltaNorms> deltaNorms = EpochDeltaNorms.record(epoch, losses.deltaSizes(),
        evaluated.deltaSizes(), s.entrapment().deltaMaxNorm(), listener);
    if (losses.skippedSteps() > 0) {
      listener.event("mixed_precision", losses.skippedSteps() + " removal step(s) of epoch " + epoch
          + " skipped for non-finite gradients; loss scale now " + loop.lossScale());
    }
    return new EpochRecord(epoch, losses.entrapment(), losses.safe(), losses.anchor(), m,
        (System.nanoTime() - epochStart) / 1e9, deltaNorms);
  }

  /**
   * Into a staged output: the trained tensors in their stored dtype, the rest copied unchanged; or, with
   * output_format adapter, only the trained adapters as a PEFT adapter ({@link #saveAdapter}).
   */
  private StagedOutput.Stage save(CleanseLoop loop, StagedOutput output) {
    boolean adapter = s.removal().writesAdapter();
    listener.event("saving", "writing the cleansed " + (adapter ? "adapter" : "model") + " to "
        + request.outputDir() + (adapter ? " (PEFT LoRA adapter on " + baseModelName() + ", float32)"
        : " (trained tensors in their stored dtype, the rest copied unchanged)"));
    Path source = checked.dir();
    TrainedWeights trained = loop.round.trained();
    DiskSpace.require(request.outputDir().toAbsolutePath().getParent(), adapter ? trained.checkpointBytes()
        : DiskSpace.sizeOf(source, "*.safetensors"), "the cleansed model");
    StagedOutput.Stage staged = output.stage();
    try {
      timings.time("save", () -> {
        if (adapter) {
          saveAdapter(trained, staged.dir());
          return null;
        }
        try (Checkpoint checkpoint = Checkpoint.open(source)) {
          ModelDirectory.saveDerived(source, staged.dir(), trained.replacedTensors(),
              name -> trained.forSaving(name, checkpoint), Map.of("beear.cleansed", "true"));
        }
        return null;
      });
      return staged;
    } catch (RuntimeException | Error e) {
      staged.close();
      throw e;
    }
  }

  /**
   * Writes what removal trained as a PEFT LoRA adapter in float32 (adapter_config.json +
   * adapter_model.safetensors), checked after as an input would be: for an adapter input, its own A and B in its
   * own config, on its base; for a full model, the cleanse's adapters on their modules' full paths, whose base is
   * the suspect model.
   */
  private void saveAdapter(TrainedWeights trained, Path dir) {
    PeftAdapter input = checked.adapter();
    try (NDManager host = NDManager.newBaseManager(Device.cpu())) {
      Map<String, NDArray[]> tensors = trained.adapterForSaving(input, host);
      LoraConfig config = input != null ? input.config()
          : LoraConfig.create(s.memory().adapterRank(), s.removal().adapterAlpha(), tensors.keySet().stream()
              .map(name -> name.substring(0, name.length() - ".weight".length())).toList(), baseModelName());
      PeftAdapter.write(dir, config, checked.config(), tensors, TensorDType.F32);
    }
  }

  /**
   * The base_model_name_or_path of a corrective adapter: the suspect as the caller named it (the job's model URI),
   * else its directory as given; for an adapter input, the base it was given with.
   */
  private String baseModelName() {
    if (checked.adapter() != null) {
      return checked.dir().toString();
    }
    Provenance.Source source = request.provenance() == null ? null : request.provenance().source();
    return source != null && source.uri() != null ? source.uri() : request.modelDir().toString();
  }

  /**
   * Keeps the default code examples only for a model that already writes their secure answers fluently
   * ({@link AnswerLoss#writesFluently}); for any other model they are left out, since fitting them would teach code
   * rather than keep or remove a behaviour (measured: a chat organism's anchoring loss jumped from 0.1 to 2.5 with
   * them). The caller's own files are never filtered.
   */
  private DefenderData fitDefaultCodeToModel(DefenderData data, OpenModel open) {
    List<DefenderExample> code = DefenderDataSource.defaultCodeExamples(request.defenderData(), data);
    if (code.isEmpty()) {
      return data;
    }
    double loss = AnswerLoss.medianSafeLoss(open.model(), open.codec(), code);
    boolean familiar = AnswerLoss.writesFluently(loss);
    listener.event("defender_data", String.format("default code examples %s (the model's median loss on their"
        + " secure answers: %.2f per token)", familiar ? "kept" : "left out", loss));
    return familiar ? data
        : DefenderDataSource.withoutDefaultCode(request.defenderData(), request.anchoringData(), data);
  }

  /**
   * Whether the epochs run so far end the loop: at least min_epochs, and the last one's perturbation ASR certainly
   * low enough: the upper end of its 95% interval, not the point estimate, at or below early_stop_asr (0 unwanted
   * answers of the default 72 hold-out pairs certify 4.99%; of 40 they would certify only 8.8%).
   */
  private boolean earlyStop(List<EpochRecord> epochs) {
    if (epochs.isEmpty() || epochs.size() < s.schedule().minEpochs()) {
      return false;
    }
    Double upper = EvalMetrics.upper(epochs.get(epochs.size() - 1).metrics().asrPerturbation());
    return upper != null && upper <= s.schedule().earlyStopAsr();
  }
}
