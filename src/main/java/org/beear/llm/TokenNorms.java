package org.beear.llm;

import java.util.Arrays;

/**
 * The scale of hidden states at one layer over a set of tokens: what δ's step and bound are sized by (entrapment)
 * and what {@code beear stats} reports as the typical RMS.
 *
 * <p>The scale is the RMS over the tokens' elements, but tokens whose L2 norm is more than {@value #OUTLIER_FACTOR}
 * times the median token norm are left out. Real checkpoints carry massive activations (Sun et al. 2024, "Massive
 * Activations in Large Language Models"): from layer 2 on, one or two residual channels around 10^3 at the first
 * token (and at some delimiters), so that token's norm is tens of times any other's and, with it in, the RMS of a
 * 7B model's middle layer is several times what nearly every token has. The factor leaves every ordinary token in:
 * the organisms' largest token at the anchor layer, over every batch of their cleanses (xs suffix-short, suffix-long
 * and rlhf, s suffix-long and rlhf) is at most 9.4 × the median. A token kept just under it, one in a hundred, raises
 * the RMS 2.2-fold; a massive first token is far above it (Llama-2-7B: two channels of about 2,500 and 1,500 in a
 * 4096-wide state whose median channel is below 1, so a norm of about 3,000 against tens for the other tokens: an
 * estimate from Sun et al.'s magnitudes, not measured here; {@code beear stats} shows it on a real checkpoint).
 *
 * <p>When no token is an outlier the scale is exactly the RMS over all tokens as the caller summed it: the blocks'
 * sums of squares, added in the order given, over their elements (not the per-token norms, whose sum would round
 * differently), so every figure measured before outliers were dropped stays the same bit for bit.
 */
public final class TokenNorms {
  /** A token whose L2 norm is more than this times the median token norm is an outlier. */
  public static final double OUTLIER_FACTOR = 20;

  private final long width;
  private double sumSquares;
  private long elements;
  private double[] squares = new double[256];
  private int count;

  /** @param width D, the elements of a token's hidden state */
  public TokenNorms(long width) {
    this.width = width;
  }

  /**
   * A block of tokens, counted {@code times} times (a prompt prefix shared by several sequences counts once for
   * each).
   *
   * @param sumOfSquares      the block's sum of squares over all its tokens' elements
   * @param tokenSquaredNorms each real token's squared L2 norm
   */
  public void add(double sumOfSquares, double[] tokenSquaredNorms, int times) {
    sumSquares += times * sumOfSquares;
    elements += (long) times * tokenSquaredNorms.length * width;
    for (int t = 0; t < times; t++) {
      if (count + tokenSquaredNorms.length > squares.length) {
        squares = Arrays.copyOf(squares, Math.max(2 * squares.length, count + tokenSquaredNorms.length));
      }
      System.arraycopy(tokenSquaredNorms, 0, squares, count, tokenSquaredNorms.length);
      count += tokenSquaredNorms.length;
    }
  }

  /** The figures over every token added so far. */
  public Summary summary() {
    double[] sorted = Arrays.copyOf(squares, count);
    Arrays.sort(sorted);
    double median = count == 0 ? 0 : Math.sqrt(count % 2 == 1 ? sorted[count / 2]
        : (sorted[count / 2 - 1] + sorted[count / 2]) / 2);
    double limit = OUTLIER_FACTOR * median;
    double kept = 0;
    int outliers = 0;
    for (int i = 0; i < count; i++) {
      if (Math.sqrt(sorted[i]) > limit) {
        outliers++;
      } else {
        kept += sorted[i];
      }
    }
    double rms = outliers == 0 ? Math.sqrt(sumSquares / Math.max(1, elements))
        : Math.sqrt(kept / ((count - outliers) * (double) width));
    double all = Math.sqrt(sumSquares / Math.max(1, elements));
    return new Summary(rms, all, median, count == 0 ? 0 : Math.sqrt(sorted[count - 1]), outliers, count, width);
  }

  /**
   * @param rms        the scale: the RMS over the elements of every token but the outliers
   * @param rmsAll     the RMS over every token's elements, outliers included (what δ was sized by before)
   * @param medianNorm the median token L2 norm
   * @param maxNorm    the largest token L2 norm
   * @param outliers   tokens left out of {@code rms}: norm above {@value #OUTLIER_FACTOR} × the median
   * @param tokens     tokens counted
   * @param width      D
   */
  public record Summary(double rms, double rmsAll, double medianNorm, double maxNorm, int outliers, int tokens,
      long width) {
    /** A typical token's L2 norm: the scale times √D. */
    public double typicalNorm() {
      return rms * Math.sqrt(width);
    }
  }
}
