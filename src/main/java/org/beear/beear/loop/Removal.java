package org.beear.beear.loop;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.ActivationRecomputation;
import org.beear.llm.LlamaModel;
import org.beear.llm.Ops;
import org.beear.llm.Optimizer;
import org.beear.llm.Perturbation;
import org.beear.llm.SequenceBatch;
import org.beear.llm.TrainableParameters;

/**
 * Adversarial Removal, the outer level: one optimiser step on θ for CE(y_safe | x, δ*) + λ·CE(y_anchor | x_anchor).
 * With δ null it is plain safety fine-tuning (the control).
 *
 * <p>The safe and anchoring sequences go through the model in micro-batches, each back-propagated on its own with
 * its share of the loss (its response tokens over the batch's), so the accumulated gradient is the whole batch's
 * and only one micro-batch's activations are held at a time; with recomputation, only one layer's.
 */
public final class Removal {
  /** The step's two losses (before the update, token-weighted over the batch) and whether the update was made. */
  public record Losses(double safe, double anchor, TrainableParameters.Step step) {}

  private final LlamaModel model;
  private final CleanseSettings settings;
  private final TrainableParameters parameters;
  private final Optimizer optimizer;
  private final long padId;

  public Removal(LlamaModel model, CleanseSettings settings, TrainableParameters parameters, Optimizer optimizer,
      long padId) {
    this.model = model;
    this.settings = settings;
    this.parameters = parameters;
    this.optimizer = optimizer;
    this.padId = padId;
  }

  public Losses step(List<SequenceBatch.Example> safe, List<SequenceBatch.Example> anchors, Perturbation delta,
      NDManager round) {
    parameters.recordGradients(true);
    try {
      double safeLoss = accumulate(safe, delta, 1.0, round);
      double anchorLoss = accumulate(anchors, null, settings.removal().anchorWeight(), round);
      TrainableParameters.Step step = parameters.step(optimizer);
      return new Losses(safeLoss, anchorLoss, step);
    } finally {
      parameters.recordGradients(false);
    }
  }

  /** Back-propagates weight·CE over {@code examples}, micro-batch by micro-batch; returns the (unweighted) CE. */
  private double accumulate(List<SequenceBatch.Example> examples, Perturbation delta, double weight,
      NDManager round) {
    if (examples.isEmpty()) {
      return Double.NaN;
    }
    int total = examples.stream().mapToInt(e -> e.response().length).sum();
    double loss = 0;
    int micro = settings.memory().microBatchSize();
    for (int start = 0; start < examples.size(); start += micro) {
      List<SequenceBatch.Example> part = examples.subList(start, Math.min(examples.size(), start + micro));
      try (SequenceBatch batch = SequenceBatch.of(round, part, padId)) {
        double share = batch.responseTokens() / (double) Math.max(1, total);
        // the micro-batch's share of the weighted loss, times the loss scale of mixed precision
        NDArray scale = batch.manager().full(new Shape(), (float) (share * weight * parameters.lossScaleValue()));
        if (settings.memory().recomputeActivations()) {
          loss += share * ActivationRecomputation.backward(model, batch.inputs(), delta, batch::loss, scale,
              settings.memory().trainableFrom());
        } else {
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray ce = batch.loss(model.logits(batch.inputs(), delta));
            loss += share * Ops.value(ce);
            gc.backward(ce.mul(scale));
          }
        }
      }
    }
    return loss;
  }
}
