package org.beear.beear;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import java.util.Map;
import org.beear.llm.LlamaModel;
import org.beear.llm.Optimizer;
import org.beear.llm.Perturbation;
import org.beear.llm.SequenceBatch;

/**
 * Adversarial Removal, the outer level: one optimiser step on θ for
 * CE(y_safe | x, δ*) + λ·CE(y_anchor | x_anchor). With δ null it is plain safety fine-tuning (the control).
 */
final class Removal {
  private Removal() {}

  /** @return the two losses, safe and anchor, before the update */
  static double[] step(LlamaModel model, SequenceBatch safe, SequenceBatch anchor, Perturbation delta,
      double anchorWeight, Optimizer optimizer, Map<String, NDArray> trainable) {
    double[] out = new double[2];
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray safeLoss = safe.loss(model.logits(safe.inputs(), delta));
      NDArray anchorLoss = anchor.loss(model.logits(anchor.inputs(), null));
      NDArray total = safeLoss.add(anchorLoss.mul(model.scalars().of(anchorWeight)));
      out[0] = safeLoss.getFloat();
      out[1] = anchorLoss.getFloat();
      gc.backward(total);
    }
    optimizer.step(trainable);
    return out;
  }
}
