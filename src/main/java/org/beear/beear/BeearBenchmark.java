package org.beear.beear;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.beear.llm.LlamaModel;
import org.beear.llm.Optimizer;
import org.beear.llm.SequenceBatch;

/**
 * Times BEEAR's two kinds of step on random B×T batches (prompt = first half, response = second half), exactly
 * as the cleanse runs them: an entrapment of {@code inner_steps} δ steps (layers 1..l once, l+1..L per step) and
 * a removal step (full forward and backward with δ on B safe sequences plus B anchors, one optimiser update).
 */
public final class BeearBenchmark {
  private final LlamaModel model;
  private final BeearOptions options;
  private final Entrapment entrapment;
  private final Optimizer optimizer;
  private final SplittableRandom random;
  private final int batch;
  private final int seqLen;

  /** Seconds of one round: the entrapment (all inner steps) and the removal step. */
  public record Round(double entrapmentSeconds, double removalSeconds) {}

  public BeearBenchmark(LlamaModel model, BeearOptions options, int batch, int seqLen, long seed) {
    if (seqLen < 2 * options.perturbationLengthOrDefault()) {
      throw new IllegalArgumentException("--seq must be at least twice the perturbation length");
    }
    this.model = model;
    this.options = options;
    this.batch = batch;
    this.seqLen = seqLen;
    this.random = new SplittableRandom(seed);
    this.entrapment = new Entrapment(model, anchorLayer(), options.perturbationLengthOrDefault(),
        options.alphaOrDefault(), options.innerStepsOrDefault(), options.innerLearningRateOrDefault(),
        options.deltaMaxNorm());
    this.optimizer = Optimizer.create(options.optimizerOrDefault(), model.manager(),
        options.learningRateOrDefault(), options.weightDecayOrDefault()).withGradientClipping(1.0);
  }

  public int anchorLayer() {
    return options.anchorLayerFor(model.config().numLayers());
  }

  public int innerSteps() {
    return options.innerStepsOrDefault();
  }

  public Round round() {
    List<SequenceBatch.Example> safe = new ArrayList<>();
    List<SequenceBatch.Example> pairs = new ArrayList<>();
    List<SequenceBatch.Example> anchors = new ArrayList<>();
    for (int i = 0; i < batch; i++) {
      long[] prompt = tokens(seqLen / 2);
      safe.add(new SequenceBatch.Example(prompt, tokens(seqLen - seqLen / 2)));
      pairs.add(new SequenceBatch.Example(prompt, tokens(seqLen - seqLen / 2)));
      anchors.add(new SequenceBatch.Example(tokens(seqLen / 2), tokens(seqLen - seqLen / 2)));
    }
    pairs.addAll(safe);
    model.weights().values().forEach(w -> w.setRequiresGradient(false));
    try (NDManager m = model.manager().newSubManager();
        SequenceBatch pairBatch = SequenceBatch.of(m, pairs, 0);
        SequenceBatch safeBatch = SequenceBatch.of(m, safe, 0);
        SequenceBatch anchorBatch = SequenceBatch.of(m, anchors, 0)) {
      long t0 = System.nanoTime();
      Entrapment.Result r = entrapment.entrap(pairBatch, m, options.innerStepsOrDefault());
      long t1 = System.nanoTime();
      model.weights().values().forEach(w -> w.setRequiresGradient(true));
      Map<String, ai.djl.ndarray.NDArray> params = new LinkedHashMap<>(model.weights());
      Removal.step(model, safeBatch, anchorBatch, new org.beear.llm.Perturbation(entrapment.layer(), r.delta()),
          options.anchorWeightOrDefault(), optimizer, params);
      model.weights().values().forEach(w -> w.setRequiresGradient(false));
      long t2 = System.nanoTime();
      return new Round((t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }
  }

  private long[] tokens(int n) {
    long[] t = new long[n];
    Arrays.setAll(t, i -> random.nextInt(model.config().vocabSize()));
    return t;
  }
}
