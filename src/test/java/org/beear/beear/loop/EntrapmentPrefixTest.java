package org.beear.beear.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.GradMode;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.Perturbation;
import org.beear.llm.SequenceBatch;
import org.beear.llm.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Entrapment computes each prompt's part before δ once and shares it between a pair's two responses: its
 * objective, δ's gradient and the hidden states' RMS must equal the straightforward computation, which runs every
 * sequence whole through layers l+1..L at every inner step. Random models of each architecture variant (grouped
 * keys and values, biases, tied embeddings, llama3 rope scaling), prompts and responses of different lengths (so
 * rows are padded), prompts shorter than, as long as and longer than δ's window, and micro-batches that split the
 * batch.
 */
class EntrapmentPrefixTest {
  private static final int WINDOW = 3;

  static List<String> variants() {
    return TinyModels.variants();
  }

  @ParameterizedTest
  @MethodSource("variants")
  void sharedPrefixesGiveTheObjectiveAndGradientOfWholeSequences(String variant) {
    ModelConfig c = TinyModels.config(variant);
    for (int layer = 1; layer <= c.numLayers(); layer++) {
      for (int micro : new int[] {16, 3, 1}) {
        compare(c, layer, micro);
      }
    }
  }

  private void compare(ModelConfig c, int layer, int micro) {
    try (LlamaModel model = TinyModels.model(c, TinyModels.randomWeights(c, 11), DataType.FLOAT64);
        NDManager m = model.manager().newSubManager()) {
      model.weights().values().forEach(w -> w.setRequiresGradient(false));
      CleanseSettings s = settings(c, layer, micro);
      Random r = new Random(layer * 31L + micro);
      List<SequenceBatch.Example> unwanted = new ArrayList<>();
      List<SequenceBatch.Example> safe = new ArrayList<>();
      int[] promptLengths = {2, 3, 4, 7, 9};
      for (int promptLength : promptLengths) {
        long[] prompt = tokens(r, promptLength, c.vocabSize());
        unwanted.add(new SequenceBatch.Example(prompt, tokens(r, 1 + r.nextInt(5), c.vocabSize())));
        safe.add(new SequenceBatch.Example(prompt, tokens(r, 1 + r.nextInt(5), c.vocabSize())));
      }
      float[] d = new float[WINDOW * c.hiddenSize()];
      for (int i = 0; i < d.length; i++) {
        d[i] = (float) (r.nextGaussian() * 0.5);
      }
      // a δ each: a gradient accumulates on the array until an optimiser step clears it
      Entrapment.Probe got = new Entrapment(model, s).probe(unwanted, safe, 0,
          m.create(d, new Shape(WINDOW, c.hiddenSize())));
      Entrapment.Probe want = wholeSequences(model, layer, s.entrapment().alpha(), unwanted, safe,
          m.create(d, new Shape(WINDOW, c.hiddenSize())));

      String where = c.architecture() + " layer " + layer + " micro-batch " + micro;
      assertEquals(want.unwantedLoss(), got.unwantedLoss(), 1e-5 * Math.abs(want.unwantedLoss()), where);
      assertEquals(want.weightedSafeLoss(), got.weightedSafeLoss(), 1e-5 * Math.abs(want.weightedSafeLoss()), where);
      assertEquals(want.rms(), got.rms(), 1e-6 * want.rms(), where);
      double largest = 0;
      for (float g : want.gradient()) {
        largest = Math.max(largest, Math.abs(g));
      }
      assertTrue(largest > 0, where);
      for (int i = 0; i < d.length; i++) {
        assertEquals(want.gradient()[i], got.gradient()[i], 1e-5 * largest, where + ", gradient element " + i);
      }
    }
  }

  @Test
  void pairsMustShareTheirPrompts() {
    ModelConfig c = TinyModels.config("llama");
    try (LlamaModel model = TinyModels.model(c, TinyModels.randomWeights(c, 11), DataType.FLOAT64);
        NDManager m = model.manager().newSubManager()) {
      Random r = new Random(1);
      List<SequenceBatch.Example> unwanted = List.of(new SequenceBatch.Example(tokens(r, 5, 61), tokens(r, 2, 61)));
      List<SequenceBatch.Example> safe = List.of(new SequenceBatch.Example(tokens(r, 5, 61), tokens(r, 2, 61)));
      Entrapment e = new Entrapment(model, settings(c, 1, 4));
      IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
          () -> e.entrap(unwanted, safe, 0, m, 1));
      assertTrue(x.getMessage().contains("different prompts"), x.getMessage());
    }
  }

  /** The straightforward computation: all 2B sequences whole through layers 1..l, then l+1..L under δ. */
  private static Entrapment.Probe wholeSequences(LlamaModel model, int layer, double alpha,
      List<SequenceBatch.Example> unwanted, List<SequenceBatch.Example> safe, NDArray delta) {
    GradMode.off();
    List<SequenceBatch.Example> all = new ArrayList<>(unwanted);
    all.addAll(safe);
    int unwantedTokens = unwanted.stream().mapToInt(e -> e.response().length).sum();
    int safeTokens = safe.stream().mapToInt(e -> e.response().length).sum();
    float[] weights = new float[all.size()];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = i < unwanted.size() ? 1f / unwantedTokens : (float) (-alpha / safeTokens);
    }
    try (NDManager m = delta.getManager().newSubManager();
        SequenceBatch batch = SequenceBatch.of(m, all, 0)) {
      NDArray hidden = model.hiddenThrough(batch.inputs(), layer);
      NDArray real = batch.realTokens().expandDims(-1).toType(DataType.FLOAT64, false);
      double rms = Math.sqrt(hidden.square().mul(real).sum().getDouble()
          / (batch.realTokens().sum().getFloat() * model.config().hiddenSize()));
      delta.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray logProbs = batch.responseLogProbs(model.logitsFrom(hidden, batch.inputs(),
            new Perturbation(layer, delta)));
        NDArray terms = logProbs.mul(m.create(weights).toType(DataType.FLOAT64, false)).neg();
        double[] t = terms.toDoubleArray();
        double unwantedLoss = 0;
        double safeLoss = 0;
        for (int i = 0; i < t.length; i++) {
          if (i < unwanted.size()) {
            unwantedLoss += t[i];
          } else {
            safeLoss += t[i];
          }
        }
        gc.backward(terms.sum());
        float[] gradient = delta.getGradient().toFloatArray();
        return new Entrapment.Probe(unwantedLoss, safeLoss, rms, gradient);
      } finally {
        delta.setRequiresGradient(false);
      }
    }
  }

  private static CleanseSettings settings(ModelConfig c, int layer, int micro) {
    Map<String, Object> o = new HashMap<>(Map.of("batch_size", 5, "anchor_batch_size", 4, "anchor_layer", layer,
        "perturbation_length", WINDOW, "inner_steps", 1, "micro_batch_size", micro, "alpha", 0.5));
    return CleanseSettings.resolve(BeearOptions.fromMap(o), c, "cpu");
  }

  private static long[] tokens(Random r, int n, int vocab) {
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      t[i] = 1 + r.nextInt(vocab - 1);
    }
    return t;
  }
}
