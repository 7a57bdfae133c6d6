package org.beear.beear;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.beear.llm.GradMode;
import java.util.Map;
import org.beear.llm.LlamaModel;
import org.beear.llm.Optimizer;
import org.beear.llm.Perturbation;
import org.beear.llm.SequenceBatch;

/**
 * Backdoor Embedding Entrapment, the inner level: with the model frozen,
 * δ* = argmin_δ CE(y_unwanted | x, δ) − α·CE(y_safe | x, δ), δ ∈ R^{n×D} added after layer l at the last n
 * prompt positions of every example. Layers 1..l run once per batch; only l+1..L run per inner step.
 *
 * <p>δ starts at zero and takes Adam steps whose size is a fraction of the hidden states' RMS at layer l, so the
 * default step works for a 4M-parameter organism and a 7B model alike.
 */
final class Entrapment {
  private final LlamaModel model;
  private final int layer;
  private final int length;
  private final double alpha;
  private final int steps;
  private final double relativeStep;
  private final Double maxNorm;

  record Result(NDArray delta, double objective, double unwantedLoss, double safeLoss) {}

  Entrapment(LlamaModel model, int layer, int length, double alpha, int steps, double relativeStep, Double maxNorm) {
    this.model = model;
    this.layer = layer;
    this.length = length;
    this.alpha = alpha;
    this.steps = steps;
    this.relativeStep = relativeStep;
    this.maxNorm = maxNorm;
  }

  int layer() {
    return layer;
  }

  /**
   * @param pairs 2B sequences: the B prompts with their unwanted responses, then the same prompts with safe ones
   * @param out   owns the returned δ
   * @param steps inner steps to take (the options' default unless evaluation asks for more)
   */
  Result entrap(SequenceBatch pairs, NDManager out, int steps) {
    GradMode.off();
    int b = pairs.inputs().batchSize() / 2;
    NDManager m = pairs.manager();
    NDArray hidden = model.hiddenThrough(pairs.inputs(), layer); // [2B, T, D], no graph: grad mode is off
    double rms = Math.sqrt(hidden.square().mean().getFloat());
    double stepSize = relativeStep * Math.max(rms, 1e-3);
    NDArray delta = out.zeros(new Shape(length, model.config().hiddenSize()), model.dtype());
    Optimizer adam = new Optimizer.AdamW(m, stepSize, 0.9, 0.999, 1e-8, 0);
    NDArray alphaScalar = model.scalars().of(alpha);
    NDArray tokensUnwanted = pairs.responseLengths().get(new NDIndex("0:{}", b)).sum();
    NDArray tokensSafe = pairs.responseLengths().get(new NDIndex("{}:", b)).sum();
    double objective = Double.NaN;
    double unwanted = Double.NaN;
    double safe = Double.NaN;
    delta.setRequiresGradient(true);
    for (int step = 1; step <= steps; step++) {
      try (NDManager inner = m.newSubManager()) {
        inner.tempAttachAll(delta);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray logProbs = pairs.responseLogProbs(
              model.logitsFrom(hidden, pairs.inputs(), new Perturbation(layer, delta))); // [2B]
          NDArray ceUnwanted = logProbs.get(new NDIndex("0:{}", b)).sum().neg().div(tokensUnwanted);
          NDArray ceSafe = logProbs.get(new NDIndex("{}:", b)).sum().neg().div(tokensSafe);
          NDArray loss = ceUnwanted.sub(ceSafe.mul(alphaScalar));
          objective = loss.getFloat();
          unwanted = ceUnwanted.getFloat();
          safe = ceSafe.getFloat();
          gc.backward(loss);
        }
        adam.step(Map.of("delta", delta));
        if (maxNorm != null) {
          projectRows(delta, maxNorm * Math.max(rms, 1e-3) * Math.sqrt(delta.getShape().get(1)), inner);
        }
      }
    }
    delta.setRequiresGradient(false);
    return new Result(delta, objective, unwanted, safe);
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
