package org.beear.llm;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.function.Function;

/**
 * Back-propagation holding one decoder layer's activations at a time (activation recomputation, Chen et al. 2016):
 * a forward pass without autograd keeps each layer's input; then the head, and each layer top down, run again under
 * autograd from their inputs and are back-propagated with the gradient of their output.
 */
public final class ActivationRecomputation {
  private ActivationRecomputation() {}

  /**
   * The gradient of {@code loss(logits(in, δ))}, scaled by {@code lossScale}, accumulated into every parameter
   * of layers {@code lowestLayer}..L (1-based) that requires one. Same gradients as back-propagating the full graph,
   * for about one more forward pass of compute. Layers below {@code lowestLayer}, the embeddings and δ get no
   * gradient.
   *
   * @param loss      from [B, T, V] float32 logits to a scalar
   * @param lossScale a 0-d float32 constant the loss is multiplied by before back-propagation (mixed precision)
   * @return the loss, unscaled
   */
  public static double backward(LlamaModel model, Inputs in, Perturbation perturbation,
      Function<NDArray, NDArray> loss, NDArray lossScale, int lowestLayer) {
    model.checkLayer(lowestLayer);
    if (perturbation != null) {
      model.checkLayer(perturbation.layer());
    }
    int lowest = lowestLayer - 1;
    NDArray[] layerInputs = new NDArray[model.config().numLayers()];
    try (NDManager pass = in.ids().getManager().newSubManager()) {
      NDArray h;
      DecoderLayer.Context ctx;
      NDArray gradient;
      double value;
      GradMode.off();
      try (NDManager ids = pass.newSubManager()) {
        ids.tempAttachAll(in.ids());
        h = model.embed(in);
        h.attach(pass);
      }
      ctx = model.context(in, pass);
      for (int i = 0; i < model.config().numLayers(); i++) {
        if (perturbation != null && i == perturbation.layer()) {
          h = LlamaModel.replace(h, perturbation.addTo(h, in.promptEnd()));
        }
        if (i >= lowest) {
          layerInputs[i] = h;
        }
        NDArray out = model.layer(i, h, ctx, null);
        if (i < lowest) {
          h.close();
        }
        h = out;
      }
      if (perturbation != null && perturbation.layer() == model.config().numLayers()) {
        h = LlamaModel.replace(h, perturbation.addTo(h, in.promptEnd()));
      }
      h.setRequiresGradient(true);
      try (NDManager top = pass.newSubManager()) {
        top.tempAttachAll(h);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray l = loss.apply(model.head(h));
          value = Ops.value(l);
          gc.backward(l.mul(lossScale));
        }
        gradient = h.getGradient();
        gradient.attach(pass);
      }
      h.close();
      for (int i = model.config().numLayers() - 1; i >= lowest; i--) {
        NDArray x = layerInputs[i];
        boolean inputGradient = i > lowest;
        x.setRequiresGradient(inputGradient);
        try (NDManager scope = pass.newSubManager()) {
          scope.tempAttachAll(x);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray out = model.decoderLayer(i).forward(x, ctx, null);
            JniUtils.backward((PtNDArray) out, (PtNDArray) gradient, false, false);
          }
          NDArray below = inputGradient ? x.getGradient() : null;
          gradient.close();
          if (below != null) {
            below.attach(pass);
          }
          gradient = below;
        }
        x.close();
        layerInputs[i] = null;
      }
      return value;
    } finally {
      GradMode.off();
    }
  }

}
