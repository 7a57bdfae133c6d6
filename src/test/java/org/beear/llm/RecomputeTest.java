package org.beear.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Per-layer activation recomputation gives the gradients of back-propagating the whole graph. */
class RecomputeTest {

  static List<String> variants() {
    return TinyModels.variants();
  }

  @ParameterizedTest
  @MethodSource("variants")
  void gradientsEqualFullBackpropagation(String variant) {
    ModelConfig config = TinyModels.config(variant);
    try (LlamaModel model = TinyModels.model(config, TinyModels.randomWeights(config, 11), DataType.FLOAT64);
        NDManager m = model.manager().newSubManager()) {
      // right padding (two lengths) and δ after layer 1
      List<SequenceBatch.Example> ex = List.of(
          new SequenceBatch.Example(new long[] {3, 9, 14, 20, 7}, new long[] {33, 40, 2}),
          new SequenceBatch.Example(new long[] {8, 8, 1}, new long[] {12, 5, 6, 2, 9, 10}));
      Random r = new Random(2);
      double[] d = new double[2 * config.hiddenSize()];
      for (int i = 0; i < d.length; i++) {
        d[i] = r.nextGaussian() * 0.5;
      }
      Perturbation delta = new Perturbation(1, m.create(d, new Shape(2, config.hiddenSize())));
      NDArray scale = m.create(3.0);
      for (int lowest = 1; lowest <= config.numLayers(); lowest++) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        model.layerWeightNames(lowest, config.numLayers()).forEach(n -> params.put(n, model.weights().get(n)));
        params.values().forEach(p -> p.setRequiresGradient(true));
        Map<String, double[]> full = new LinkedHashMap<>();
        double fullLoss;
        try (SequenceBatch batch = SequenceBatch.of(m, ex, 0)) {
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = batch.loss(model.logits(batch.inputs(), delta));
            fullLoss = loss.getDouble();
            gc.backward(loss.mul(scale));
          }
          params.forEach((n, p) -> full.put(n, p.getGradient().toDoubleArray()));
          Optimizer.zeroGradients(List.copyOf(params.values()));
          double recomputedLoss = ActivationRecomputation.backward(model, batch.inputs(), delta, batch::loss, scale,
              lowest);
          assertEquals(fullLoss, recomputedLoss, 1e-12, variant);
        }
        for (Map.Entry<String, NDArray> p : params.entrySet()) {
          double[] got = p.getValue().getGradient().toDoubleArray();
          double[] want = full.get(p.getKey());
          double norm = 0;
          for (double w : want) {
            norm = Math.max(norm, Math.abs(w));
          }
          assertTrue(norm > 0, p.getKey() + " has a gradient");
          for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-10 * Math.max(1, norm), variant + " " + p.getKey() + "[" + i + "]");
          }
        }
        Optimizer.zeroGradients(List.copyOf(params.values()));
        params.values().forEach(p -> p.setRequiresGradient(false));
      }
    }
  }
}
