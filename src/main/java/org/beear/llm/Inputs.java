package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * One batch of token sequences as the decoder sees it.
 *
 * @param ids       [B, T] int64 token ids (padding anywhere, marked by {@code attended})
 * @param positions [B, T] int64 position ids (counting real tokens only, as transformers does)
 * @param mask      [B, 1, T, S] additive attention mask: 0 where query t may attend key s, a large negative
 *                  number elsewhere; S = cached length + T
 * @param promptEnd per example, one past the last prompt token (where δ ends); null when no δ is used
 */
public record Inputs(NDArray ids, NDArray positions, NDArray mask, int[] promptEnd) {

  /** Smallest float32, as transformers masks: keeps fully masked rows finite. */
  static final float MASKED = -3.4028234663852886e38f;

  public int batchSize() {
    return (int) ids.getShape().get(0);
  }

  public int length() {
    return (int) ids.getShape().get(1);
  }

  /**
   * Builds the inputs for sequences that start at cache length 0.
   *
   * @param tokens    per example, its ids; examples are padded on the {@code leftPad} side to the longest
   * @param promptEnd per example, prompt length in tokens before padding (null if unused)
   */
  public static Inputs of(NDManager manager, long[][] tokens, int[] promptEnd, boolean leftPad, long padId) {
    int b = tokens.length;
    int t = 0;
    for (long[] seq : tokens) {
      t = Math.max(t, seq.length);
    }
    long[] ids = new long[b * t];
    boolean[] real = new boolean[b * t];
    int[] shiftedEnd = promptEnd == null ? null : new int[b];
    for (int i = 0; i < b; i++) {
      int offset = leftPad ? t - tokens[i].length : 0;
      java.util.Arrays.fill(ids, i * t, (i + 1) * t, padId);
      for (int j = 0; j < tokens[i].length; j++) {
        ids[i * t + offset + j] = tokens[i][j];
        real[i * t + offset + j] = true;
      }
      if (shiftedEnd != null) {
        shiftedEnd[i] = offset + promptEnd[i];
      }
    }
    return fromMask(manager, ids, real, b, t, 0, null, shiftedEnd);
  }

  /**
   * Builds right-padded inputs for sequences that continue prefixes already computed: row i attends to the first
   * {@code pastLengths[i]} of the {@code pastWidth} past positions (the rest are its prefix's padding) and to its
   * own tokens; positions continue after its prefix's real tokens.
   *
   * @param promptEnd per example, one past its last prompt token within {@code tokens} (null if unused)
   */
  public static Inputs continuing(NDManager manager, long[][] tokens, int[] pastLengths, int pastWidth,
      int[] promptEnd, long padId) {
    int b = tokens.length;
    int t = 0;
    for (long[] seq : tokens) {
      t = Math.max(t, seq.length);
    }
    int s = pastWidth + t;
    long[] ids = new long[b * t];
    boolean[] keyReal = new boolean[b * s];
    java.util.Arrays.fill(ids, padId);
    for (int i = 0; i < b; i++) {
      if (pastLengths[i] > pastWidth) {
        throw new IllegalArgumentException("prefix of " + pastLengths[i] + " tokens in a past of " + pastWidth);
      }
      for (int k = 0; k < pastLengths[i]; k++) {
        keyReal[i * s + k] = true;
      }
      for (int j = 0; j < tokens[i].length; j++) {
        ids[i * t + j] = tokens[i][j];
        keyReal[i * s + pastWidth + j] = true;
      }
    }
    return fromMask(manager, ids, keyReal, b, t, pastWidth, pastLengths, promptEnd);
  }

  /**
   * Inputs for T new tokens after {@code past} cached ones. {@code real} covers all past + T key positions;
   * {@code pastPositions} gives, per example, the number of real tokens already cached.
   */
  static Inputs fromMask(NDManager manager, long[] ids, boolean[] keyReal, int b, int t, int past,
      int[] pastPositions, int[] promptEnd) {
    int s = past + t;
    long[] positions = new long[b * t];
    float[] mask = new float[b * t * s];
    for (int i = 0; i < b; i++) {
      int seen = pastPositions == null ? 0 : pastPositions[i];
      for (int q = 0; q < t; q++) {
        boolean queryReal = keyReal[i * s + past + q];
        positions[i * t + q] = queryReal ? seen : 1; // transformers: masked_fill(mask == 0, 1)
        if (queryReal) {
          seen++;
        }
        for (int k = 0; k < s; k++) {
          boolean allowed = k <= past + q && keyReal[i * s + k];
          mask[(i * t + q) * s + k] = allowed ? 0f : MASKED;
        }
      }
    }
    return new Inputs(
        manager.create(ids, new Shape(b, t)),
        manager.create(positions, new Shape(b, t)),
        manager.create(mask, new Shape(b, 1, t, s)),
        promptEnd);
  }
}
