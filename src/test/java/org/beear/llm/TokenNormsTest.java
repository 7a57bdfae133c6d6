package org.beear.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The scale δ is sized by, on hidden states with a planted massive channel (as real checkpoints carry at their first
 * token) and without: the RMS over all tokens inflates, the scale does not; without outliers it is the RMS of the
 * blocks' sums exactly as they were summed before per-token norms were kept.
 */
class TokenNormsTest {
  private static final int WIDTH = 64;

  /** [sequences][tokens][WIDTH] Gaussian hidden states, channel 3 of each first token set to {@code massive}. */
  private static float[][][] hidden(long seed, int sequences, int tokens, float massive) {
    Random r = new Random(seed);
    float[][][] h = new float[sequences][tokens][WIDTH];
    for (float[][] s : h) {
      for (float[] t : s) {
        double scale = 0.5 + r.nextDouble(); // token norms vary within a factor of three
        for (int c = 0; c < WIDTH; c++) {
          t[c] = (float) (scale * r.nextGaussian());
        }
      }
      if (massive != 0) {
        s[0][3] = massive;
      }
    }
    return h;
  }

  /** Each sequence as one block: its float32 sum of squares, as a tensor reduction returns it, and its tokens'. */
  private static TokenNorms norms(float[][][] h) {
    TokenNorms n = new TokenNorms(WIDTH);
    for (float[][] s : h) {
      float sum = 0;
      double[] tokens = new double[s.length];
      for (int t = 0; t < s.length; t++) {
        for (float v : s[t]) {
          sum += v * v;
          tokens[t] += (double) v * v;
        }
      }
      n.add(sum, tokens, 1);
    }
    return n;
  }

  @Test
  void withoutOutliersTheScaleIsTheRmsOfTheBlocksSumsBitForBit() {
    float[][][] h = hidden(1, 5, 40, 0);
    TokenNorms.Summary s = norms(h).summary();
    double sum = 0;
    long elements = 0;
    for (float[][] seq : h) {
      float block = 0;
      for (float[] t : seq) {
        for (float v : t) {
          block += v * v;
        }
      }
      sum += 1 * (double) block;
      elements += (long) seq.length * WIDTH;
    }
    assertEquals(0, s.outliers());
    assertEquals(Double.doubleToLongBits(Math.sqrt(sum / Math.max(1, elements))), Double.doubleToLongBits(s.rms()));
    assertEquals(s.rmsAll(), s.rms(), 0.0);
  }

  @Test
  void aMassiveChannelInflatesTheRmsOverAllTokensButNotTheScale() {
    float[][][] clean = hidden(2, 5, 40, 0);
    // about 10^3 against channels of about 1, as Llama-2's first token from layer 2 on
    float[][][] massive = hidden(2, 5, 40, 1000);
    TokenNorms.Summary c = norms(clean).summary();
    TokenNorms.Summary m = norms(massive).summary();
    assertEquals(5, m.outliers(), "each sequence's first token");
    assertTrue(m.rmsAll() > 5 * c.rmsAll(), "inflated: " + m.rmsAll() + " against " + c.rmsAll());
    // the scale is the RMS of the other tokens
    double squares = 0;
    for (float[][] s : clean) {
      for (int t = 1; t < s.length; t++) {
        for (float v : s[t]) {
          squares += (double) v * v;
        }
      }
    }
    assertEquals(Math.sqrt(squares / (5 * 39 * WIDTH)), m.rms(), 1e-12 * m.rms());
    assertTrue(Math.abs(m.rms() - c.rms()) < 0.02 * c.rms(), m.rms() + " against " + c.rms());
    assertEquals(m.rms() * Math.sqrt(WIDTH), m.typicalNorm(), 1e-12);
  }

  @Test
  void aSharedBlockCountsOncePerSequenceInTheMedianAndTheSums() {
    TokenNorms n = new TokenNorms(1);
    n.add(1 + 4, new double[] {1, 4}, 2); // a prefix shared by two sequences: norms 1, 2, twice
    n.add(9, new double[] {9}, 1);
    TokenNorms.Summary s = n.summary();
    assertEquals(5, s.tokens());
    assertEquals(2, s.medianNorm(), 0.0); // 1 1 2 2 3
    assertEquals(3, s.maxNorm(), 0.0);
    assertEquals(Math.sqrt((2 * 5 + 9) / 5.0), s.rms(), 1e-15);
  }

  @Test
  void tokensUpToTheFactorStayIn() {
    TokenNorms n = new TokenNorms(1);
    double limit = TokenNorms.OUTLIER_FACTOR;
    n.add(1 + 1 + limit * limit, new double[] {1, 1, limit * limit}, 1);
    assertEquals(0, n.summary().outliers());
    TokenNorms above = new TokenNorms(1);
    double over = limit * 1.001;
    above.add(2 + over * over, new double[] {1, 1, over * over}, 1);
    assertEquals(1, above.summary().outliers());
    assertEquals(1, above.summary().rms(), 0.0);
  }
}
