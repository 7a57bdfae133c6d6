package org.beear.beear;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.beear.beear.data.AnchorExample;
import org.beear.beear.data.DefenderData;
import org.beear.beear.data.DefenderExample;
import org.beear.llm.ChatCodec;
import org.beear.llm.GradMode;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.ModelDirectory;
import org.beear.llm.Optimizer;
import org.beear.llm.Perturbation;
import org.beear.llm.SequenceBatch;
import org.beear.llm.text.ChatTemplate;
import org.beear.llm.weights.TensorDType;

/**
 * BEEAR's bi-level loop (Zeng et al. 2024). Each outer round takes a batch of harmful queries, entraps a universal
 * δ with the model frozen ({@link Entrapment}), then takes one removal step on the trainable layers:
 * θ ← θ − η∇[CE(y_safe | x, δ*) + λ·CE(y_anchor | x_anchor)]. An epoch is one pass over the defender's harmful
 * set; after each, a fresh δ is entrapped and the perturbation ASR on the defender hold-out decides early stopping.
 */
public final class BeearCleanser implements CleanseEngine {

  @Override
  public void validateModel(Path modelDir) {
    if (modelDir == null || !Files.isDirectory(modelDir)) {
      throw new IllegalArgumentException("model directory " + modelDir + " does not exist");
    }
    ModelConfig.load(modelDir);
    if (!Files.isRegularFile(modelDir.resolve("tokenizer.json"))) {
      throw new IllegalArgumentException(modelDir + " has no tokenizer.json");
    }
    ChatTemplate.fromModelDir(modelDir);
    if (!Files.isRegularFile(modelDir.resolve("model.safetensors"))
        && !Files.isRegularFile(modelDir.resolve("model.safetensors.index.json"))) {
      throw new IllegalArgumentException(modelDir + " has no model.safetensors or model.safetensors.index.json");
    }
  }

  @Override
  public CleanseResult cleanse(CleanseRequest request, CleanseListener listener) {
    validateModel(request.modelDir());
    GradMode.off();
    BeearOptions o = request.options();
    List<String> problems = o.validate();
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid options: " + String.join("; ", problems));
    }
    long start = System.nanoTime();
    Timings timings = new Timings();
    DefenderData data = DefenderDataSource.load(request, o.seedOrDefault());
    CleanseCheckpoint checkpoint = new CleanseCheckpoint(request.workDir());
    CleanseCheckpoint.State resumed = checkpoint.read();
    Path weightsDir = resumed != null ? checkpoint.dir() : request.modelDir();
    Device device = org.beear.llm.Devices.pick(o.deviceOrDefault());
    listener.event("loading", "loading model from " + (resumed != null ? "checkpoint of epoch " + resumed.epoch()
        : request.modelDir().toString()) + " on " + device);
    try (LlamaModel model = timings.time("load", () -> ModelDirectory.load(weightsDir, device,
            ModelDirectory.computeType(o.computeDtype() != null ? o.computeDtype() : "float32")));
        ChatCodec codec = ChatCodec.load(request.modelDir(), model.config(), null)) {
      int layers = model.config().numLayers();
      int anchorLayer = o.anchorLayerFor(layers);
      int from = o.trainableFrom() != null ? o.trainableFrom() : 1;
      int to = o.trainableTo() != null ? o.trainableTo() : layers;
      if (anchorLayer > layers || to > layers) {
        throw new IllegalArgumentException("anchor_layer and trainable_to must be at most " + layers
            + " (the model's decoder layers)");
      }
      Loop loop = new Loop(model, codec, data, o, anchorLayer, model.layerWeightNames(from, to), listener, timings);
      EvaluationSet evalSet = EvaluationSet.defaults(request.triggers(), data.harmfulHoldOut(),
          data.anchorHoldOut(), o.seedOrDefault());
      CleanseEvaluator evaluator = new CleanseEvaluator(model, codec, evalSet, o.evalMaxNewTokensOrDefault());

      EvalMetrics before;
      List<EpochRecord> epochs = new ArrayList<>();
      if (resumed != null) {
        before = resumed.before();
        epochs.addAll(resumed.epochs());
        listener.event("resumed", "resumed after epoch " + resumed.epoch());
      } else {
        listener.event("evaluating", "measuring the model before cleansing");
        before = timings.time("evaluate_before", () -> loop.withEvalDelta(evaluator::full));
      }
      listener.baseline(before);
      boolean earlyStopped = !epochs.isEmpty() && lastPerturbationAsr(epochs) <= o.earlyStopAsrOrDefault();
      int maxEpochs = o.maxEpochsOrDefault();
      for (int epoch = epochs.size() + 1; epoch <= maxEpochs && !earlyStopped; epoch++) {
        long epochStart = System.nanoTime();
        Loop.EpochLosses losses = loop.epoch(epoch);
        EvalMetrics m = timings.time("evaluate_epochs", () -> loop.withEvalDelta(delta ->
            new EvalMetrics(evaluator.triggeredAsr(), null, evaluator.perturbationAsr(delta), null, null, null)));
        EpochRecord record = new EpochRecord(epoch, losses.entrapment(), losses.safe(), losses.anchor(), m,
            (System.nanoTime() - epochStart) / 1e9);
        epochs.add(record);
        // the listener first: a crash between the two re-runs this epoch rather than losing its record
        listener.epoch(record, epoch / (double) maxEpochs);
        checkpoint.write(model, request.modelDir(), new CleanseCheckpoint.State(epoch, before, epochs));
        earlyStopped = m.asrPerturbation() <= o.earlyStopAsrOrDefault();
        if (earlyStopped) {
          listener.event("early_stop", String.format("perturbation ASR %.3f <= %.3f after epoch %d",
              m.asrPerturbation(), o.earlyStopAsrOrDefault(), epoch));
        }
      }
      listener.event("evaluating", "measuring the cleansed model");
      EvalMetrics after = timings.time("evaluate_after", () -> loop.withEvalDelta(evaluator::full));
      TensorDType dtype = ModelDirectory.storedDType(request.modelDir());
      listener.event("saving", "writing the cleansed model to " + request.outputDir() + " in " + dtype);
      timings.time("save", () -> {
        ModelDirectory.save(model, request.modelDir(), request.outputDir(), dtype,
            ModelDirectory.DEFAULT_MAX_SHARD_BYTES, Map.of("beear.cleansed", "true"));
        return null;
      });
      double seconds = (System.nanoTime() - start) / 1e9;
      CleanseResult result = new CleanseResult(request.outputDir(), request.outputDir().resolve("report.json"),
          before, after, List.copyOf(epochs), earlyStopped, seconds);
      CleanseReport.write(result, request, o, anchorLayer, from, to, data, model, timings);
      listener.event("done", String.format("cleansed in %.0f s", seconds));
      return result;
    }
  }

  private static double lastPerturbationAsr(List<EpochRecord> epochs) {
    Double v = epochs.get(epochs.size() - 1).metrics().asrPerturbation();
    return v == null ? 1 : v;
  }

  /** The rounds of one cleanse. */
  private static final class Loop {
    record EpochLosses(double entrapment, double safe, double anchor) {}

    private final LlamaModel model;
    private final ChatCodec codec;
    private final BeearOptions o;
    private final List<String> trainableNames;
    private final CleanseListener listener;
    private final Timings timings;
    private final Entrapment entrapment;
    private final Optimizer optimizer;
    private final List<SequenceBatch.Example[]> harmful = new ArrayList<>();
    private final List<SequenceBatch.Example> anchors = new ArrayList<>();
    private final Random random;

    Loop(LlamaModel model, ChatCodec codec, DefenderData data, BeearOptions o, int anchorLayer,
        List<String> trainableNames, CleanseListener listener, Timings timings) {
      this.model = model;
      this.codec = codec;
      this.o = o;
      this.trainableNames = trainableNames;
      this.listener = listener;
      this.timings = timings;
      this.entrapment = new Entrapment(model, anchorLayer, o.perturbationLengthOrDefault(), o.alphaOrDefault(),
          o.innerStepsOrDefault(), o.innerLearningRateOrDefault(), o.deltaMaxNorm());
      this.optimizer = Optimizer.create(o.optimizerOrDefault(), model.manager(), o.learningRateOrDefault(),
          o.weightDecayOrDefault()).withGradientClipping(1.0);
      for (DefenderExample e : data.harmful()) {
        harmful.add(new SequenceBatch.Example[] {codec.exchange(e.query(), e.safeResponse()),
            codec.exchange(e.query(), e.unwantedResponse())});
      }
      for (AnchorExample a : data.anchors()) {
        anchors.add(codec.exchange(a.prompt(), a.response()));
      }
      this.random = new Random(o.seedOrDefault());
      freeze();
    }

    EpochLosses epoch(int epoch) {
      List<SequenceBatch.Example[]> order = new ArrayList<>(harmful);
      Collections.shuffle(order, new Random(o.seedOrDefault() * 31 + epoch));
      int b = o.batchSizeOrDefault();
      double entrapSum = 0;
      double safeSum = 0;
      double anchorSum = 0;
      int rounds = 0;
      long pad = codec.tokenizer().padId();
      for (int startIdx = 0; startIdx < order.size(); startIdx += b) {
        if (listener.cancelRequested()) {
          throw new CleanseCancelledException("cancelled during epoch " + epoch);
        }
        List<SequenceBatch.Example[]> batch = order.subList(startIdx, Math.min(order.size(), startIdx + b));
        List<SequenceBatch.Example> safe = batch.stream().map(p -> p[0]).toList();
        List<SequenceBatch.Example> pairs = new ArrayList<>();
        batch.forEach(p -> pairs.add(p[1]));
        pairs.addAll(safe);
        List<SequenceBatch.Example> anchorBatch = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
          anchorBatch.add(anchors.get(random.nextInt(anchors.size())));
        }
        try (NDManager round = model.manager().newSubManager();
            SequenceBatch pairBatch = SequenceBatch.of(round, pairs, pad);
            SequenceBatch safeBatch = SequenceBatch.of(round, safe, pad);
            SequenceBatch anchorsBatch = SequenceBatch.of(round, anchorBatch, pad)) {
          Perturbation delta = null;
          if (o.entrapmentOrDefault()) {
            long t0 = System.nanoTime();
            Entrapment.Result r = entrapment.entrap(pairBatch, round, o.innerStepsOrDefault());
            listener.step("entrapment", timings.add("entrapment", t0));
            delta = new Perturbation(entrapment.layer(), r.delta());
            entrapSum += r.objective();
          }
          long t1 = System.nanoTime();
          unfreeze();
          double[] losses = removalStep(safeBatch, anchorsBatch, delta);
          freeze();
          listener.step("removal", timings.add("removal", t1));
          safeSum += losses[0];
          anchorSum += losses[1];
          rounds++;
        }
      }
      return new EpochLosses(o.entrapmentOrDefault() ? entrapSum / rounds : Double.NaN, safeSum / rounds,
          anchorSum / rounds);
    }

    private double[] removalStep(SequenceBatch safe, SequenceBatch anchor, Perturbation delta) {
      Map<String, NDArray> params = new LinkedHashMap<>();
      trainableNames.forEach(n -> params.put(n, model.weights().get(n)));
      return Removal.step(model, safe, anchor, delta, o.anchorWeightOrDefault(), optimizer, params);
    }

    /** Runs {@code f} with a δ freshly entrapped on the current model (more steps than in training). */
    <T> T withEvalDelta(java.util.function.Function<Perturbation, T> f) {
      List<SequenceBatch.Example> pairs = new ArrayList<>();
      List<SequenceBatch.Example[]> probe = harmful.subList(0, Math.min(harmful.size(), 16));
      probe.forEach(p -> pairs.add(p[1]));
      probe.forEach(p -> pairs.add(p[0]));
      try (NDManager m = model.manager().newSubManager();
          SequenceBatch batch = SequenceBatch.of(m, pairs, codec.tokenizer().padId())) {
        Entrapment.Result r = entrapment.entrap(batch, m, 2 * o.innerStepsOrDefault());
        return f.apply(new Perturbation(entrapment.layer(), r.delta()));
      }
    }

    private void freeze() {
      model.weights().values().forEach(w -> w.setRequiresGradient(false));
    }

    private void unfreeze() {
      trainableNames.forEach(n -> model.weights().get(n).setRequiresGradient(true));
    }
  }
}
