package org.beear.beear;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.beear.beear.data.AnchorExample;
import org.beear.beear.data.DefenderData;
import org.beear.beear.data.DefenderExample;
import org.beear.eval.RefusalJudge;
import org.beear.eval.ResponsePairJudge;
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
 * set; after each, a fresh δ is entrapped per {@link DefenderFamily} and the worst perturbation ASR on the defender
 * hold-out decides early stopping, once {@code min_epochs} have run.
 *
 * <p>Batches never mix families (a δ is universal over its batch), and a minority family (the code examples of
 * the default data) is cycled until it fills at least {@value #MINORITY_SHARE_OF_MAJORITY} of the majority's
 * batch count per epoch, so its backdoor is entrapped and removed in every epoch, not in a stray batch.
 */
public final class BeearCleanser implements CleanseEngine {
  /** A minority family gets at least this fraction of the largest family's batches per epoch. */
  static final double MINORITY_SHARE_OF_MAJORITY = 0.25;
  /**
   * Median over the default code pairs of the mean token cross-entropy (nats) of their secure answers, below which
   * they are used. The median: the defender's own shell commands are new words even to a model that writes this
   * code, and should not tip the verdict.
   */
  static final double CODE_FAMILIAR_MAX_LOSS = 1.0;

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
      data = fitDefaultCodeToModel(request, data, model, codec, listener);
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
        before = timings.time("evaluate_before", () -> loop.withEvalDeltas(evaluator::full));
      }
      listener.baseline(before);
      boolean earlyStopped = earlyStop(epochs, o);
      int maxEpochs = o.maxEpochsOrDefault();
      for (int epoch = epochs.size() + 1; epoch <= maxEpochs && !earlyStopped; epoch++) {
        long epochStart = System.nanoTime();
        Loop.EpochLosses losses = loop.epoch(epoch);
        EvalMetrics m = timings.time("evaluate_epochs", () -> loop.withEvalDeltas(deltas -> {
          CleanseEvaluator.CodeRates code = evaluator.codeRates();
          return new EvalMetrics(evaluator.triggeredAsr(), null, evaluator.perturbationAsr(deltas), null, null,
              code.insecure(), code.secure());
        }));
        EpochRecord record = new EpochRecord(epoch, losses.entrapment(), losses.safe(), losses.anchor(), m,
            (System.nanoTime() - epochStart) / 1e9);
        epochs.add(record);
        // the listener first: a crash between the two re-runs this epoch rather than losing its record
        listener.epoch(record, epoch / (double) maxEpochs);
        checkpoint.write(model, request.modelDir(), new CleanseCheckpoint.State(epoch, before, epochs));
        earlyStopped = earlyStop(epochs, o);
        if (earlyStopped) {
          listener.event("early_stop", String.format("perturbation ASR %.3f <= %.3f after epoch %d",
              m.asrPerturbation(), o.earlyStopAsrOrDefault(), epoch));
        }
      }
      listener.event("evaluating", "measuring the cleansed model");
      EvalMetrics after = timings.time("evaluate_after", () -> loop.withEvalDeltas(evaluator::full));
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
    float[] losses; // per answer, mean token cross-entropy
    try (NDManager m = model.manager().newSubManager();
        SequenceBatch batch = SequenceBatch.of(m, code.stream().map(e -> codec.exchange(e.query(), e.safeResponse()))
            .toList(), codec.tokenizer().padId())) {
      NDArray logProbs = batch.responseLogProbs(model.logits(batch.inputs(), null)); // [B]
      losses = logProbs.neg().div(batch.responseLengths().toType(logProbs.getDataType(), false)).toFloatArray();
    }
    Arrays.sort(losses);
    double loss = losses[losses.length / 2];
    boolean familiar = loss <= CODE_FAMILIAR_MAX_LOSS;
    listener.event("defender_data", String.format("default code examples %s (the model's median loss on their"
        + " secure answers: %.2f per token)", familiar ? "kept" : "left out", loss));
    return familiar ? data : DefenderDataSource.withoutDefaultCode(request, data);
  }

  /** Whether the epochs run so far end the loop: at least min_epochs, the last one's perturbation ASR low enough. */
  private static boolean earlyStop(List<EpochRecord> epochs, BeearOptions o) {
    if (epochs.isEmpty() || epochs.size() < o.minEpochsOrDefault()) {
      return false;
    }
    Double last = epochs.get(epochs.size() - 1).metrics().asrPerturbation();
    return last != null && last <= o.earlyStopAsrOrDefault();
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
    /** Per family (refusal-judged or not): [safe, unwanted] exchange pairs. */
    private final Map<Boolean, List<SequenceBatch.Example[]>> families = new LinkedHashMap<>();
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
      for (DefenderFamily family : DefenderFamily.split(data.harmful(), new ResponsePairJudge(new RefusalJudge()))) {
        List<SequenceBatch.Example[]> pairs = new ArrayList<>();
        for (DefenderExample e : family.examples()) {
          pairs.add(new SequenceBatch.Example[] {codec.exchange(e.query(), e.safeResponse()),
              codec.exchange(e.query(), e.unwantedResponse())});
        }
        families.put(family.refusalJudged(), pairs);
      }
      for (AnchorExample a : data.anchors()) {
        anchors.add(codec.exchange(a.prompt(), a.response()));
      }
      this.random = new Random(o.seedOrDefault());
      freeze();
    }

    EpochLosses epoch(int epoch) {
      Random shuffle = new Random(o.seedOrDefault() * 31 + epoch);
      double entrapSum = 0;
      double safeSum = 0;
      double anchorSum = 0;
      int rounds = 0;
      long pad = codec.tokenizer().padId();
      for (List<SequenceBatch.Example[]> batch : batches(shuffle)) {
        if (listener.cancelRequested()) {
          throw new CleanseCancelledException("cancelled during epoch " + epoch);
        }
        List<SequenceBatch.Example> safe = batch.stream().map(p -> p[0]).toList();
        List<SequenceBatch.Example> pairs = new ArrayList<>();
        batch.forEach(p -> pairs.add(p[1]));
        pairs.addAll(safe);
        List<SequenceBatch.Example> anchorBatch = new ArrayList<>();
        for (int i = 0; i < o.anchorBatchSizeOrDefault(); i++) {
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

    /** One epoch's batches: each family shuffled and cut into batches, minorities cycled, batch order shuffled. */
    private List<List<SequenceBatch.Example[]>> batches(Random shuffle) {
      int b = o.batchSizeOrDefault();
      int largest = families.values().stream().mapToInt(f -> (f.size() + b - 1) / b).max().orElse(0);
      int floor = (int) Math.ceil(largest * MINORITY_SHARE_OF_MAJORITY);
      List<List<SequenceBatch.Example[]>> out = new ArrayList<>();
      for (List<SequenceBatch.Example[]> family : families.values()) {
        List<SequenceBatch.Example[]> order = new ArrayList<>(family);
        Collections.shuffle(order, shuffle);
        int natural = (order.size() + b - 1) / b;
        if (natural >= floor) {
          for (int start = 0; start < order.size(); start += b) {
            out.add(order.subList(start, Math.min(order.size(), start + b)));
          }
        } else {
          for (int k = 0; k < floor; k++) {
            List<SequenceBatch.Example[]> batch = new ArrayList<>(b);
            for (int i = k * b; i < (k + 1) * b; i++) {
              batch.add(order.get(i % order.size()));
            }
            out.add(batch);
          }
        }
      }
      Collections.shuffle(out, shuffle);
      return out;
    }

    /**
     * Runs {@code f} with a δ freshly entrapped on the current model for each family (more steps than in
     * training, on up to 16 of the family's examples), keyed by {@link DefenderFamily#refusalJudged()}.
     */
    <T> T withEvalDeltas(java.util.function.Function<Map<Boolean, Perturbation>, T> f) {
      try (NDManager m = model.manager().newSubManager()) {
        Map<Boolean, Perturbation> deltas = new LinkedHashMap<>();
        for (Map.Entry<Boolean, List<SequenceBatch.Example[]>> family : families.entrySet()) {
          List<SequenceBatch.Example> pairs = new ArrayList<>();
          List<SequenceBatch.Example[]> probe = family.getValue().subList(0, Math.min(family.getValue().size(), 16));
          probe.forEach(p -> pairs.add(p[1]));
          probe.forEach(p -> pairs.add(p[0]));
          try (SequenceBatch batch = SequenceBatch.of(m, pairs, codec.tokenizer().padId())) {
            Entrapment.Result r = entrapment.entrap(batch, m, 2 * o.innerStepsOrDefault());
            deltas.put(family.getKey(), new Perturbation(entrapment.layer(), r.delta()));
          }
        }
        return f.apply(deltas);
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
