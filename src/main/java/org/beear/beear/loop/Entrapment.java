package org.beear.beear.loop;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.beear.beear.data.ExchangePair;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.GradMode;
import org.beear.llm.LlamaModel;
import org.beear.llm.Ops;
import org.beear.llm.Optimizer;
import org.beear.llm.Perturbation;
import org.beear.llm.PromptPrefix;
import org.beear.llm.SequenceBatch;
import org.beear.llm.TokenNorms;
import org.beear.llm.TrainableParameters;

/**
 * Backdoor Embedding Entrapment, the inner level: with the model frozen,
 * δ* = argmin_δ CE(y_unwanted | x, δ) − α·CE(y_safe | x, δ), δ ∈ R^{n×D} added after layer l at the last n
 * prompt positions of every example.
 *
 * <p>Each thing is computed once. δ changes nothing before it (causal attention), and the unwanted and the safe
 * response of a pair share their prompt: so per micro-batch of prompts, the part of each prompt before δ's window
 * runs through all layers once ({@link PromptPrefix}, its keys and values kept), the rest of each sequence (the
 * window and the response) through layers 1..l once, and each inner step runs only the rest through layers
 * l+1..L, attending to the prefix's keys and values, accumulating δ's gradient pass by pass (a pass: the unwanted,
 * or the safe, continuations of a micro-batch's prompts).
 *
 * <p>δ is float32 whatever the model computes in, starts at zero and takes Adam steps whose size is a fraction of
 * the hidden states' scale at layer l, its rows optionally held within a multiple of a typical hidden state's norm
 * ({@code delta_max_norm}, the scale × √D). The scale is {@link TokenNorms}': the RMS over the batch's real tokens,
 * leaving out the few tokens that massive activations make tens of times larger than the rest (real checkpoints'
 * first token), which would otherwise inflate δ's step several-fold; with no such token it is the plain RMS. Adam
 * moves an element by at most about one step size per step (the largest sum of m̂/√v̂ over 5 steps of any gradients
 * is 5.02, over 10 steps 10.17), so without a bound a row of δ stays within about inner_steps × inner_learning_rate
 * typical norms.
 * In float16 the objective is multiplied by a loss scale before back-propagation (Adam's step does not depend on
 * the gradient's scale); a step whose gradient is not finite is skipped and the scale halved.
 */
public final class Entrapment {
  private final LlamaModel model;
  private final int layer;
  private final int length;
  private final double alpha;
  private final double relativeStep;
  private final Double maxNorm;
  private final int microBatch;
  private final int innerSteps;
  private double lossScale;

  /** The entrapped δ, at its last step the objective and its two cross-entropies, and δ's size. */
  public record Result(NDArray delta, double objective, double unwantedLoss, double safeLoss, DeltaSize size) {}

  /**
   * δ's size against the hidden states it is added to (layer l, the batch's real tokens): its largest row's L2 norm
   * over the median token norm, and over a typical token's norm (the scale × √D), the unit of {@code delta_max_norm}.
   */
  public record DeltaSize(@JsonProperty("to_median") double toMedian, @JsonProperty("to_typical") double toTypical) {}

  public Entrapment(LlamaModel model, CleanseSettings s) {
    this.model = model;
    this.layer = s.entrapment().anchorLayer();
    this.length = s.entrapment().perturbationLength();
    this.alpha = s.entrapment().alpha();
    this.relativeStep = s.entrapment().innerLearningRate();
    this.maxNorm = s.entrapment().deltaMaxNorm();
    this.microBatch = s.memory().microBatchSize();
    this.innerSteps = s.entrapment().innerSteps();
    this.lossScale = model.dtype() == DataType.FLOAT16 ? 1024 : 1;
  }

  public int layer() {
    return layer;
  }

  /** δ entrapped by {@code r}, as the perturbation the model takes at layer l. */
  public Perturbation perturbation(Result r) {
    return new Perturbation(layer, r.delta());
  }

  /** The loss scale of float16 entrapment: lowered by a non-finite step, it carries over to later rounds. */
  double lossScale() {
    return lossScale;
  }

  void restoreLossScale(double saved) {
    lossScale = saved;
  }

  /**
   * @param unwanted B prompts with their unwanted responses
   * @param safe     the same prompts, in the same order, with their safe responses
   * @param out      owns the returned δ
   * @param steps    inner steps to take (the settings' unless evaluation asks for more)
   */
  public Result entrap(List<SequenceBatch.Example> unwanted, List<SequenceBatch.Example> safe, long padId,
      NDManager out,
      int steps) {
    GradMode.off();
    requireSharedPrompts(unwanted, safe);
    try (NDManager scope = out.newSubManager()) {
      Cached cached = cache(unwanted, safe, padId, scope);
      double scale = Math.max(cached.norms().rms(), 1e-3);
      double stepSize = relativeStep * scale;
      double typicalNorm = scale * Math.sqrt(model.config().hiddenSize());
      NDArray delta = out.zeros(new Shape(length, model.config().hiddenSize()), DataType.FLOAT32);
      Optimizer adam = new Optimizer.AdamW(scope, stepSize, 0.9, 0.999, 1e-8, 0);
      TrainableParameters deltaParameter = new TrainableParameters(Map.of("delta", delta), scope);
      Losses losses = null;
      for (int step = 1; step <= steps; step++) {
        delta.setRequiresGradient(true);
        losses = accumulateGradient(cached.passes(), delta);
        // Adam's step does not depend on the gradient's scale, so δ's gradient is left scaled; a non-finite one
        // (an overflow in float16) skips the step and lowers the scale
        if (!deltaParameter.step(adam).applied()) {
          lossScale = Math.max(1, lossScale / 2);
        }
        delta.setRequiresGradient(false);
        if (maxNorm != null) {
          try (NDManager m = out.newSubManager()) {
            m.tempAttachAll(delta);
            projectRows(delta, maxNorm * scale * Math.sqrt(model.config().hiddenSize()), m);
          }
        }
      }
      DeltaSize size;
      try (NDManager m = out.newSubManager()) {
        m.tempAttachAll(delta);
        double largest = Ops.value(delta.norm(new int[] {1}).max());
        size = new DeltaSize(largest / cached.norms().medianNorm(), largest / typicalNorm);
      }
      return losses == null ? new Result(delta, Double.NaN, Double.NaN, Double.NaN, size)
          : new Result(delta, losses.unwanted() + losses.safe(), losses.unwanted(),
              alpha == 0 ? Double.NaN : -losses.safe() / alpha, size);
    }
  }

  /**
   * The δ a measurement of perturbation ASR uses: entrapped on the current model with twice the training steps, on
   * up to {@value CleanseSettings.EvaluationSettings#ENTRAPMENT_PAIRS} of the pairs.
   */
  public Result entrapForEvaluation(List<ExchangePair> pairs, long padId, NDManager out) {
    List<ExchangePair> used = pairs.subList(0, Math.min(pairs.size(),
        CleanseSettings.EvaluationSettings.ENTRAPMENT_PAIRS));
    return entrap(ExchangePair.unwanted(used), ExchangePair.safe(used), padId, out, 2 * innerSteps);
  }

  /**
   * The objective's terms at a given δ and its gradient, unscaled: what one inner step computes; {@code rms} is the
   * scale δ's step is a fraction of.
   */
  record Probe(double unwantedLoss, double weightedSafeLoss, double rms, float[] gradient) {}

  /** The norms of the hidden states at layer l over the batch, as the inner steps are sized by them. */
  TokenNorms.Summary norms(List<SequenceBatch.Example> unwanted, List<SequenceBatch.Example> safe, long padId,
      NDManager parent) {
    GradMode.off();
    requireSharedPrompts(unwanted, safe);
    try (NDManager scope = parent.newSubManager()) {
      return cache(unwanted, safe, padId, scope).norms();
    }
  }

  /**
   * One inner step's objective and δ's gradient at {@code delta} (a float32 [n, D] array, left unchanged), on the
   * same cache the steps use: +CE(unwanted) and −α·CE(safe), token-weighted over the batch.
   */
  Probe probe(List<SequenceBatch.Example> unwanted, List<SequenceBatch.Example> safe, long padId, NDArray delta) {
    GradMode.off();
    requireSharedPrompts(unwanted, safe);
    try (NDManager scope = delta.getManager().newSubManager()) {
      Cached cached = cache(unwanted, safe, padId, scope);
      delta.setRequiresGradient(true);
      try {
        Losses losses = accumulateGradient(cached.passes(), delta);
        float[] gradient = delta.getGradient().toFloatArray();
        for (int i = 0; i < gradient.length; i++) {
          gradient[i] /= (float) lossScale;
        }
        return new Probe(losses.unwanted(), losses.safe(), cached.norms().rms(), gradient);
      } finally {
        delta.setRequiresGradient(false);
      }
    }
  }

  /**
   * The continuations of a micro-batch's prompts after their shared prefix: their inputs, the prefix's keys and
   * values, their hidden states at layer l (no graph), each sequence's weight in the objective, and how many of its
   * first rows are unwanted answers (the rest are safe ones).
   */
  private record Pass(SequenceBatch batch, PromptPrefix prefix, NDArray hidden, NDArray weights,
      int unwantedRows) {}

  /** What every inner step reuses, and the norms of the hidden states at layer l over the sequences' own tokens. */
  private record Cached(List<Pass> passes, TokenNorms.Summary norms) {}

  /** The objective's two terms at one δ: +CE(unwanted), and −α·CE(safe), each token-weighted over the batch. */
  private record Losses(double unwanted, double safe) {}

  /**
   * Runs, once per batch, each micro-batch's prompt prefixes through all layers and their continuations through
   * layers 1..l. A pass holds both answers of its prompts (unwanted rows, then safe rows, over the prefix's keys and
   * values repeated for each), or, with micro-batches of one sequence, one answer. The norms count every sequence's
   * own tokens, a shared prefix once per sequence, as if each sequence had run whole.
   */
  private Cached cache(List<SequenceBatch.Example> unwanted, List<SequenceBatch.Example> safe, long padId,
      NDManager scope) {
    float unwantedWeight = 1f / responseTokens(unwanted);
    float safeWeight = (float) (-alpha / responseTokens(safe));
    boolean together = microBatch >= 2;
    int prompts = together ? microBatch / 2 : 1;
    List<Pass> passes = new ArrayList<>();
    TokenNorms norms = new TokenNorms(model.config().hiddenSize());
    for (int start = 0; start < unwanted.size(); start += prompts) {
      int end = Math.min(unwanted.size(), start + prompts);
      int[] cut = unwanted.subList(start, end).stream().mapToInt(e -> Math.max(0, e.prompt().length - length))
          .toArray();
      List<long[]> prefixes = new ArrayList<>();
      for (int i = 0; i < cut.length; i++) {
        prefixes.add(Arrays.copyOf(unwanted.get(start + i).prompt(), cut[i]));
      }
      PromptPrefix prefix = PromptPrefix.compute(model, scope, prefixes, padId, layer, together ? 2 : 1);
      // each prefix counts for both of its sequences, whichever pass holds them
      norms.add(prefix.squaredNormAtLayer(), prefix.tokenSquaredNorms(), together ? 1 : 2);
      List<List<SequenceBatch.Example>> groups = together
          ? List.of(concat(unwanted.subList(start, end), safe.subList(start, end)))
          : List.of(unwanted.subList(start, end), safe.subList(start, end));
      for (int g = 0; g < groups.size(); g++) {
        List<SequenceBatch.Example> sequences = groups.get(g);
        int unwantedRows = together ? cut.length : g == 0 ? sequences.size() : 0;
        List<SequenceBatch.Example> rests = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
          SequenceBatch.Example e = sequences.get(i);
          rests.add(new SequenceBatch.Example(Arrays.copyOfRange(e.prompt(), cut[i % cut.length], e.prompt().length),
              e.response()));
        }
        SequenceBatch batch = SequenceBatch.continuing(scope, rests, prefix, padId);
        NDArray hidden = model.hiddenThrough(batch.inputs(), layer, prefix); // [b, t, D], no graph: grad mode is off
        hidden.attach(batch.manager());
        try (NDManager tmp = batch.manager().newSubManager()) {
          tmp.tempAttachAll(hidden);
          // over the sequences' own tokens: padding would make the scale depend on how the batch is split
          NDArray wide = Ops.atLeastFloat32(hidden);
          NDArray real = batch.realTokens().expandDims(-1).toType(wide.getDataType(), false); // [b, t, 1]
          NDArray square = wide.square();
          norms.add(Ops.value(square.mul(real).sum()), realTokenValues(square.sum(new int[] {2}),
              batch.realTokens()), 1);
        }
        float[] weights = new float[rests.size()];
        for (int i = 0; i < weights.length; i++) {
          weights[i] = i < unwantedRows ? unwantedWeight : safeWeight;
        }
        passes.add(new Pass(batch, prefix, hidden, Ops.nativeCopy(batch.manager().create(weights)), unwantedRows));
      }
      prefix.releaseThrough(layer); // layers 1..l ran for the continuations and will not run again
    }
    return new Cached(passes, norms.summary());
  }

  /** The values of {@code perToken} [b, t] at the real tokens, row by row. */
  private static double[] realTokenValues(NDArray perToken, NDArray realTokens) {
    double[] values = Ops.values(perToken);
    double[] real = Ops.values(realTokens);
    int n = 0;
    for (double r : real) {
      n += r > 0 ? 1 : 0;
    }
    double[] out = new double[n];
    int at = 0;
    for (int i = 0; i < real.length; i++) {
      if (real[i] > 0) {
        out[at++] = values[i];
      }
    }
    return out;
  }

  private static List<SequenceBatch.Example> concat(List<SequenceBatch.Example> a, List<SequenceBatch.Example> b) {
    List<SequenceBatch.Example> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /**
   * One inner step's forward and backward: layers l+1..L on each pass's continuations under δ, each pass's share
   * of the objective back-propagated to δ (times the loss scale).
   */
  private Losses accumulateGradient(List<Pass> passes, NDArray delta) {
    double unwantedLoss = 0;
    double safeLoss = 0;
    Perturbation perturbation = new Perturbation(layer, delta);
    for (Pass pass : passes) {
      try (NDManager inner = pass.batch().manager().newSubManager()) {
        inner.tempAttachAll(pass.hidden());
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray logProbs = pass.batch().responseLogProbs(
              model.logitsFrom(pass.hidden(), pass.batch().inputs(), perturbation, pass.prefix())); // [b]
          NDArray terms = logProbs.mul(pass.weights()).neg(); // [b]: each sequence's share of the objective
          NDArray loss = terms.sum();
          double[] t = Ops.values(terms);
          for (int i = 0; i < t.length; i++) {
            if (i < pass.unwantedRows()) {
              unwantedLoss += t[i];
            } else {
              safeLoss += t[i];
            }
          }
          gc.backward(loss.mul(inner.full(new Shape(), (float) lossScale)));
        }
      }
    }
    return new Losses(unwantedLoss, safeLoss);
  }

  /** The pairs' unwanted and safe sequences must continue the same prompts, which their prefix is shared by. */
  private static void requireSharedPrompts(List<SequenceBatch.Example> unwanted, List<SequenceBatch.Example> safe) {
    if (unwanted.size() != safe.size()) {
      throw new IllegalArgumentException(unwanted.size() + " unwanted but " + safe.size() + " safe responses");
    }
    for (int i = 0; i < unwanted.size(); i++) {
      if (!Arrays.equals(unwanted.get(i).prompt(), safe.get(i).prompt())) {
        throw new IllegalArgumentException("pair " + i + ": the unwanted and the safe response answer different "
            + "prompts");
      }
    }
  }

  private static int responseTokens(List<SequenceBatch.Example> examples) {
    return Math.max(1, examples.stream().mapToInt(e -> e.response().length).sum());
  }

  /** Rows of δ with L2 norm above {@code bound} are scaled back onto the ball. */
  private static void projectRows(NDArray delta, double bound, NDManager s) {
    NDArray norms = delta.norm(new int[] {1}, true);
    NDArray scale = constant(s, bound).div(norms.add(constant(s, 1e-12))).minimum(constant(s, 1));
    delta.muli(scale);
  }

  private static NDArray constant(NDManager m, double v) {
    return m.full(new Shape(), (float) v);
  }
}
