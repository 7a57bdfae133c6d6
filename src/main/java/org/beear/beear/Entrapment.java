package org.beear.beear;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.beear.llm.GradMode;
import org.beear.llm.LlamaModel;
import org.beear.llm.Ops;
import org.beear.llm.Optimizer;
import org.beear.llm.Perturbation;
import org.beear.llm.SequenceBatch;
import org.beear.llm.TrainableParameters;

/**
 * Backdoor Embedding Entrapment, the inner level: with the model frozen,
 * δ* = argmin_δ CE(y_unwanted | x, δ) − α·CE(y_safe | x, δ), δ ∈ R^{n×D} added after layer l at the last n
 * prompt positions of every example. Layers 1..l run once per batch (the entrapment cache); only l+1..L run per
 * inner step, micro-batch by micro-batch, accumulating δ's gradient.
 *
 * <p>δ is float32 whatever the model computes in, starts at zero and takes Adam steps whose size is a fraction of
 * the hidden states' RMS at layer l, so the default step works for a 4M-parameter organism and a 7B model alike.
 * In float16 the objective is multiplied by a loss scale before back-propagation (Adam's step does not depend on
 * the gradient's scale); a step whose gradient is not finite is skipped and the scale halved.
 */
final class Entrapment {
  private final LlamaModel model;
  private final int layer;
  private final int length;
  private final double alpha;
  private final double relativeStep;
  private final Double maxNorm;
  private final int microBatch;
  private double lossScale;

  /** The entrapped δ and, at its last step, the objective and its two cross-entropies. */
  record Result(NDArray delta, double objective, double unwantedLoss, double safeLoss) {}

  Entrapment(LlamaModel model, CleanseSettings s) {
    this.model = model;
    this.layer = s.anchorLayer();
    this.length = s.perturbationLength();
    this.alpha = s.alpha();
    this.relativeStep = s.innerLearningRate();
    this.maxNorm = s.deltaMaxNorm();
    this.microBatch = s.microBatchSize();
    this.lossScale = model.dtype() == DataType.FLOAT16 ? 1024 : 1;
  }

  int layer() {
    return layer;
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
   * @param safe     the same prompts with their safe responses
   * @param out      owns the returned δ
   * @param steps    inner steps to take (the settings' unless evaluation asks for more)
   */
  Result entrap(List<SequenceBatch.Example> unwanted, List<SequenceBatch.Example> safe, long padId, NDManager out,
      int steps) {
    GradMode.off();
    List<Pass> passes = new ArrayList<>();
    try (NDManager scope = out.newSubManager()) {
      int unwantedTokens = responseTokens(unwanted);
      int safeTokens = responseTokens(safe);
      List<SequenceBatch.Example> all = new ArrayList<>(unwanted);
      all.addAll(safe);
      // per sequence, its weight in the objective: +1/|unwanted tokens| or −α/|safe tokens|
      double sumSquares = 0;
      long elements = 0;
      for (int start = 0; start < all.size(); start += microBatch) {
        int end = Math.min(all.size(), start + microBatch);
        SequenceBatch batch = SequenceBatch.of(scope, all.subList(start, end), padId);
        float[] weights = new float[end - start];
        for (int i = start; i < end; i++) {
          weights[i - start] = i < unwanted.size() ? 1f / unwantedTokens : (float) (-alpha / safeTokens);
        }
        NDArray hidden = model.hiddenThrough(batch.inputs(), layer); // [b, T, D], no graph: grad mode is off
        hidden.attach(batch.manager());
        try (NDManager tmp = batch.manager().newSubManager()) {
          tmp.tempAttachAll(hidden);
          // the RMS over the sequences' own tokens: padding would make it depend on how the batch is split
          NDArray wide = Ops.atLeastFloat32(hidden);
          NDArray real = batch.realTokens().expandDims(-1).toType(wide.getDataType(), false); // [b, T, 1]
          sumSquares += Ops.value(wide.square().mul(real).sum());
          elements += (long) Ops.value(batch.realTokens().sum()) * hidden.getShape().get(2);
        }
        passes.add(new Pass(batch, hidden, Ops.nativeCopy(batch.manager().create(weights)),
            Math.max(0, Math.min(end, unwanted.size()) - start)));
      }
      double rms = Math.sqrt(sumSquares / elements);
      double stepSize = relativeStep * Math.max(rms, 1e-3);
      NDArray delta = out.zeros(new Shape(length, model.config().hiddenSize()), DataType.FLOAT32);
      Optimizer adam = new Optimizer.AdamW(scope, stepSize, 0.9, 0.999, 1e-8, 0);
      TrainableParameters deltaParameter = new TrainableParameters(Map.of("delta", delta), scope);
      double objective = Double.NaN;
      double unwantedLoss = Double.NaN;
      double safeLoss = Double.NaN;
      for (int step = 1; step <= steps; step++) {
        delta.setRequiresGradient(true);
        double total = 0;
        double lossUnwanted = 0;
        double lossSafe = 0;
        for (Pass pass : passes) {
          try (NDManager inner = pass.batch().manager().newSubManager()) {
            inner.tempAttachAll(pass.hidden());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDArray logProbs = pass.batch().responseLogProbs(
                  model.logitsFrom(pass.hidden(), pass.batch().inputs(), new Perturbation(layer, delta))); // [b]
              NDArray terms = logProbs.mul(pass.weights()).neg(); // [b]: each sequence's share of the objective
              NDArray loss = terms.sum();
              double[] t = Ops.values(terms);
              for (int i = 0; i < t.length; i++) {
                if (i < pass.unwanted()) {
                  lossUnwanted += t[i];
                } else {
                  lossSafe += t[i];
                }
              }
              total += Ops.value(loss);
              gc.backward(loss.mul(inner.full(new Shape(), (float) lossScale)));
            }
          }
        }
        objective = total;
        unwantedLoss = lossUnwanted;
        safeLoss = alpha == 0 ? Double.NaN : -lossSafe / alpha;
        // Adam's step does not depend on the gradient's scale, so δ's gradient is left scaled; a non-finite one
        // (an overflow in float16) skips the step and lowers the scale
        if (!deltaParameter.step(adam).applied()) {
          lossScale = Math.max(1, lossScale / 2);
        }
        delta.setRequiresGradient(false);
        if (maxNorm != null) {
          try (NDManager m = out.newSubManager()) {
            m.tempAttachAll(delta);
            projectRows(delta, maxNorm * Math.max(rms, 1e-3) * Math.sqrt(delta.getShape().get(1)), m);
          }
        }
      }
      return new Result(delta, objective, unwantedLoss, safeLoss);
    }
  }

  /** A micro-batch of the pairs with its cached hidden states at layer l and its sequences' weights. */
  private record Pass(SequenceBatch batch, NDArray hidden, NDArray weights, int unwanted) {}

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
