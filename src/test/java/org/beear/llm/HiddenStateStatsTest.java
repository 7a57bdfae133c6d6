package org.beear.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The per-layer figures of {@code beear stats} against the hidden states computed directly (the embedding, and
 * {@link LlamaModel#hiddenThrough} for each decoder layer), on a tiny model, with and without a massive activation
 * planted in the first token's embedding.
 */
class HiddenStateStatsTest {
  private static final int WINDOW = 3;
  private static final int CHANNEL = 7;
  private static final long FIRST = 1;

  @Test
  void everyLayersFiguresMatchItsHiddenStates() {
    ModelConfig c = TinyModels.config("llama");
    List<long[]> prompts = prompts(c);
    try (LlamaModel model = TinyModels.model(c, TinyModels.randomWeights(c, 3), DataType.FLOAT64)) {
      HiddenStateStats.Report r = HiddenStateStats.measure(model, prompts, WINDOW, 3);
      assertEquals(c.numLayers() + 1, r.layers().size());
      assertEquals(prompts.stream().mapToInt(p -> p.length).sum(), r.tokens());
      for (int layer = 0; layer <= c.numLayers(); layer++) {
        List<double[][]> hidden = direct(model, prompts, layer);
        HiddenStateStats.Layer got = r.layers().get(layer);
        String where = "layer " + layer;
        assertEquals(layer, got.layer());
        assertEquals(rms(hidden, (t, n) -> true), got.rmsAll(), 1e-9 * got.rmsAll(), where);
        assertEquals(rms(hidden, (t, n) -> t == 0), got.rmsFirstToken(), 1e-9 * got.rmsAll(), where);
        assertEquals(rms(hidden, (t, n) -> t >= n - WINDOW), got.rmsWindow(), 1e-9 * got.rmsAll(), where);
        // the largest channel over all tokens, and where it peaked
        double largest = 0;
        int channel = -1;
        for (double[][] h : hidden) {
          for (double[] token : h) {
            for (int d = 0; d < token.length; d++) {
              if (Math.abs(token[d]) > largest) {
                largest = Math.abs(token[d]);
                channel = d;
              }
            }
          }
        }
        assertEquals(channel, got.top().get(0).channel(), where);
        assertEquals(largest, got.top().get(0).magnitude(), 1e-6 * largest, where);
        assertEquals(3, got.top().size());
        assertTrue(got.top().get(0).magnitude() >= got.top().get(1).magnitude());
      }
    }
  }

  @Test
  void aPlantedMassiveChannelShowsAtTheFirstTokenOfEveryLayerAndIsLeftOutOfTheTypicalRms() {
    ModelConfig c = TinyModels.config("llama");
    Map<String, float[]> w = TinyModels.randomWeights(c, 3);
    w.get("model.embed_tokens.weight")[(int) FIRST * c.hiddenSize() + CHANNEL] = 2_000;
    List<long[]> prompts = prompts(c);
    try (LlamaModel model = TinyModels.model(c, w, DataType.FLOAT32)) {
      HiddenStateStats.Report r = HiddenStateStats.measure(model, prompts, WINDOW, 2);
      for (HiddenStateStats.Layer l : r.layers()) {
        String where = "layer " + l.layer() + ": " + l;
        assertEquals(CHANNEL, l.firstTokenTop().get(0).channel(), where);
        assertTrue(l.firstTokenRatio() >= 100, where);
        assertEquals(CHANNEL, l.top().get(0).channel(), where);
        assertEquals(0, l.top().get(0).position(), where);
        assertEquals(prompts.size(), l.outlierTokens(), "each prompt's first token: " + where);
        assertTrue(l.rmsAll() > 3 * l.rmsTypical(), where);
        assertTrue(l.rmsFirstToken() > 10 * l.rmsWindow(), where);
      }
    }
  }

  @Test
  void aFirstTokenEmbeddingThatIsZeroButOnOneChannelHasNoRatioAtTheEmbeddingAndNoNaNInItsJson() {
    ModelConfig c = TinyModels.config("llama");
    Map<String, float[]> w = TinyModels.randomWeights(c, 3);
    int d = c.hiddenSize();
    java.util.Arrays.fill(w.get("model.embed_tokens.weight"), (int) FIRST * d, (int) FIRST * d + d, 0f);
    w.get("model.embed_tokens.weight")[(int) FIRST * d + CHANNEL] = 8; // as the realistic organisms' <s>
    try (LlamaModel model = TinyModels.model(c, w, DataType.FLOAT32)) {
      HiddenStateStats.Report r = HiddenStateStats.measure(model, prompts(c), WINDOW, 2);
      HiddenStateStats.Layer embedding = r.layers().get(0);
      assertEquals(CHANNEL, embedding.firstTokenTop().get(0).channel());
      assertEquals(8, embedding.firstTokenTop().get(0).magnitude(), 1e-6);
      assertEquals(null, embedding.firstTokenRatio(), "the median channel is 0: no finite ratio");
      String json = org.beear.files.JsonDocuments.write(r.toMap());
      assertTrue(!json.contains("NaN") && !json.contains("Infinity"), json);
    }
  }

  /** Prompts of different lengths, each starting with the same first token, as a chat template's BOS. */
  private static List<long[]> prompts(ModelConfig c) {
    Random r = new Random(9);
    List<long[]> out = new ArrayList<>();
    for (int length : new int[] {4, 7, 12}) {
      long[] p = new long[length];
      p[0] = FIRST;
      for (int i = 1; i < length; i++) {
        p[i] = 2 + r.nextInt(c.vocabSize() - 2);
      }
      out.add(p);
    }
    return out;
  }

  /** Each prompt's hidden states after {@code layer} (0: the embedding), [T][D]. */
  private static List<double[][]> direct(LlamaModel model, List<long[]> prompts, int layer) {
    GradMode.off();
    List<double[][]> out = new ArrayList<>();
    int d = model.config().hiddenSize();
    for (long[] p : prompts) {
      try (NDManager m = model.manager().newSubManager()) {
        Inputs in = Inputs.of(m, new long[][] {p}, null, false, 0);
        double[] flat = Ops.values(layer == 0 ? model.embed(in) : model.hiddenThrough(in, layer));
        double[][] h = new double[p.length][d];
        for (int t = 0; t < p.length; t++) {
          System.arraycopy(flat, t * d, h[t], 0, d);
        }
        out.add(h);
      }
    }
    return out;
  }

  private interface Positions {
    boolean include(int position, int length);
  }

  private static double rms(List<double[][]> hidden, Positions which) {
    double squares = 0;
    long elements = 0;
    for (double[][] h : hidden) {
      for (int t = 0; t < h.length; t++) {
        if (which.include(t, h.length)) {
          for (double v : h[t]) {
            squares += v * v;
            elements++;
          }
        }
      }
    }
    return Math.sqrt(squares / elements);
  }
}
