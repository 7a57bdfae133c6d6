package org.beear.beear.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
import org.beear.llm.SequenceBatch;
import org.beear.llm.TinyModels;
import org.beear.llm.TokenNorms;
import org.junit.jupiter.api.Test;

/**
 * The scale δ is sized by, on hidden states with and without a planted massive activation: channel {@value #CHANNEL}
 * of the first token's embedding ({@value #BOS}, the first token of every prompt) set to 2000, which the residual
 * stream carries to every layer, as real checkpoints carry theirs (Sun et al. 2024). Without it the scale is the RMS
 * over all real tokens that δ was sized by before, bit for bit; with it the RMS over all tokens inflates several-fold
 * and the scale does not, and δ's step and bound follow the scale.
 */
class EntrapmentScaleTest {
  private static final int WINDOW = 3;
  private static final int LAYER = 2;
  private static final long BOS = 1;
  private static final int CHANNEL = 5;
  private static final float PLANTED = 2_000;

  @Test
  void withoutOutliersTheScaleIsTheRmsOverAllTokensBitForBit() {
    for (DataType type : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
      for (int micro : new int[] {16, 3, 1}) {
        try (Fixture f = new Fixture(type, false);
            NDManager m = f.model.manager().newSubManager()) {
          TokenNorms.Summary s = new Entrapment(f.model, f.settings(micro, bounded(null))).norms(f.unwanted, f.safe,
              0, m);
          String where = type + " micro-batch " + micro;
          assertEquals(0, s.outliers(), where);
          // the sums over the blocks' elements, as before: not recomputed from the per-token norms
          assertEquals(Double.doubleToLongBits(s.rmsAll()), Double.doubleToLongBits(s.rms()), where);
          Rms whole = wholeSequences(false);
          assertEquals(whole.all(), s.rms(), (type == DataType.FLOAT64 ? 1e-12 : 1e-6) * whole.all(), where);
        }
      }
    }
  }

  @Test
  void aPlantedMassiveChannelInflatesTheRmsOfAllTokensButNotTheScale() {
    for (int micro : new int[] {16, 3, 1}) {
      double clean = probe(DataType.FLOAT64, micro, false, bounded(null)).rms();
      double planted = probe(DataType.FLOAT64, micro, true, bounded(null)).rms();
      Rms whole = wholeSequences(true);
      assertTrue(whole.all() > 3 * whole.withoutFirst(), "the planted channel inflates the RMS: " + whole);
      // exactly the first tokens are left out
      assertEquals(whole.withoutFirst(), planted, 1e-9 * whole.withoutFirst(), "micro-batch " + micro);
      assertTrue(planted < 2 * clean, "the scale stays near the model's without the channel: " + clean + " vs "
          + planted);
    }
  }

  @Test
  void theFirstStepIsTheInnerLearningRateTimesTheScale() {
    Rms whole = wholeSequences(true);
    double scale = whole.withoutFirst();
    double inflated = whole.all();
    try (Fixture f = new Fixture(DataType.FLOAT64, true);
        NDManager m = f.model.manager().newSubManager()) {
      Entrapment.Result r = new Entrapment(f.model, f.settings(16, bounded(null))).entrap(f.unwanted, f.safe, 0, m, 1);
      // Adam's first step moves every element with a gradient by the step size: m̂/(√v̂ + ε) = g/(|g| + ε)
      double largest = maxAbs(r.delta());
      assertEquals(0.5 * scale, largest, 1e-6 * scale);
      assertTrue(largest < 0.5 * 0.5 * inflated, largest + " against the inflated RMS " + inflated);
    }
  }

  @Test
  void theBoundIsRelativeToTheScale() {
    double scale = wholeSequences(true).withoutFirst();
    try (Fixture f = new Fixture(DataType.FLOAT64, true);
        NDManager m = f.model.manager().newSubManager()) {
      CleanseSettings s = f.settings(16, bounded(0.25));
      Entrapment.Result r = new Entrapment(f.model, s).entrap(f.unwanted, f.safe, 0, m, 4);
      double bound = 0.25 * scale * Math.sqrt(f.model.config().hiddenSize());
      double[] rows = rowNorms(r.delta());
      for (double row : rows) {
        assertEquals(bound, row, 1e-6 * bound, "every row reaches the bound after steps of 4 × the scale");
      }
      assertEquals(0.25, r.size().toTypical(), 1e-6);
      assertEquals(bound / wholeSequences(true).medianNorm(), r.size().toMedian(), 1e-6 * r.size().toMedian());
    }
  }

  /** inner_learning_rate 0.5 (4 with a bound, so that every row reaches it), and the bound (null: none). */
  private static Map<String, Object> bounded(Double maxNorm) {
    Map<String, Object> o = new HashMap<>();
    o.put("inner_learning_rate", maxNorm == null ? 0.5 : 4.0);
    o.put("delta_max_norm", maxNorm == null ? BeearOptions.MAX_FACTOR : maxNorm);
    return o;
  }

  private static Entrapment.Probe probe(DataType type, int micro, boolean planted, Map<String, Object> options) {
    try (Fixture f = new Fixture(type, planted);
        NDManager m = f.model.manager().newSubManager()) {
      NDArray zero = m.zeros(new Shape(WINDOW, f.model.config().hiddenSize()), DataType.FLOAT32);
      return new Entrapment(f.model, f.settings(micro, options)).probe(f.unwanted, f.safe, 0, zero);
    }
  }

  /** RMS and norms computed from the whole sequences' hidden states, in float64. */
  private record Rms(double all, double withoutFirst, double medianNorm) {}

  private static Rms wholeSequences(boolean planted) {
    GradMode.off();
    try (Fixture f = new Fixture(DataType.FLOAT64, planted);
        NDManager m = f.model.manager().newSubManager()) {
      List<SequenceBatch.Example> all = new ArrayList<>(f.unwanted);
      all.addAll(f.safe);
      double squares = 0;
      double squaresWithoutFirst = 0;
      long tokens = 0;
      List<Double> norms = new ArrayList<>();
      for (SequenceBatch.Example e : all) {
        try (SequenceBatch batch = SequenceBatch.of(m, List.of(e), 0)) {
          double[] h = f.model.hiddenThrough(batch.inputs(), LAYER).toDoubleArray();
          int d = f.model.config().hiddenSize();
          for (int t = 0; t < h.length / d; t++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
              s += h[t * d + c] * h[t * d + c];
            }
            squares += s;
            squaresWithoutFirst += t == 0 ? 0 : s;
            norms.add(Math.sqrt(s));
            tokens++;
          }
        }
      }
      norms.sort(Double::compare);
      int n = norms.size();
      double median = n % 2 == 1 ? norms.get(n / 2) : (norms.get(n / 2 - 1) + norms.get(n / 2)) / 2;
      int d = f.model.config().hiddenSize();
      return new Rms(Math.sqrt(squares / (tokens * d)),
          Math.sqrt(squaresWithoutFirst / ((tokens - all.size()) * (double) d)), median);
    }
  }

  /** A tiny llama model, its first-token embedding planted or not, and a batch of pairs whose prompts start with it. */
  private static final class Fixture implements AutoCloseable {
    final LlamaModel model;
    final List<SequenceBatch.Example> unwanted = new ArrayList<>();
    final List<SequenceBatch.Example> safe = new ArrayList<>();
    private final ModelConfig config = TinyModels.config("llama");

    Fixture(DataType type, boolean planted) {
      Map<String, float[]> w = TinyModels.randomWeights(config, 11);
      if (planted) {
        w.get("model.embed_tokens.weight")[(int) BOS * config.hiddenSize() + CHANNEL] = PLANTED;
      }
      model = TinyModels.model(config, w, type);
      model.weights().values().forEach(x -> x.setRequiresGradient(false));
      Random r = new Random(5);
      // prompts shorter than, as long as and longer than δ's window: the first token in the window and in the prefix
      for (int length : new int[] {2, 3, 4, 7, 9, 12}) {
        long[] prompt = tokens(r, length);
        prompt[0] = BOS;
        unwanted.add(new SequenceBatch.Example(prompt, tokens(r, 1 + r.nextInt(5))));
        safe.add(new SequenceBatch.Example(prompt, tokens(r, 1 + r.nextInt(5))));
      }
    }

    CleanseSettings settings(int micro, Map<String, Object> options) {
      Map<String, Object> o = new HashMap<>(Map.of("batch_size", 6, "anchor_batch_size", 4, "anchor_layer", LAYER,
          "perturbation_length", WINDOW, "inner_steps", 1, "micro_batch_size", micro, "alpha", 0.5));
      o.putAll(options);
      return CleanseSettings.resolve(BeearOptions.fromMap(o), config, "cpu");
    }

    /** Tokens other than the first token's. */
    private long[] tokens(Random r, int n) {
      long[] t = new long[n];
      for (int i = 0; i < n; i++) {
        t[i] = 2 + r.nextInt(config.vocabSize() - 2);
      }
      return t;
    }

    @Override
    public void close() {
      model.close();
    }
  }

  private static double[] rowNorms(NDArray delta) {
    float[] v = delta.toFloatArray();
    int d = (int) delta.getShape().get(1);
    double[] out = new double[v.length / d];
    for (int i = 0; i < out.length; i++) {
      double s = 0;
      for (int c = 0; c < d; c++) {
        s += (double) v[i * d + c] * v[i * d + c];
      }
      out[i] = Math.sqrt(s);
    }
    return out;
  }

  private static double maxAbs(NDArray delta) {
    double largest = 0;
    for (float v : delta.toFloatArray()) {
      largest = Math.max(largest, Math.abs(v));
    }
    return largest;
  }
}
