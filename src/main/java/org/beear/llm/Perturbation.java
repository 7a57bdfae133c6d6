package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * BEEAR's hook: a universal δ of shape [n, hidden] added to the output hidden states of decoder layer
 * {@code layer} (1-based) at the last n prompt positions of every example, i.e.
 * {@code F_θ^l(x, δ) = F_{l+1..L}(F_{1..l}(x) + P·δ)} with P the [B, T, n] one-hot placement of δ's rows.
 *
 * @param delta [n, hidden]; a leaf with gradient when it is being entrapped
 */
public record Perturbation(int layer, NDArray delta) {

  public int length() {
    return (int) delta.getShape().get(0);
  }

  /**
   * The placement P: row b, position promptEnd[b] - n + j holds a 1 in column j. Prompts shorter than n get
   * only their last positions.
   *
   * @param promptEnd per example, the index one past the last prompt token
   * @return [B, T, n] in δ's dtype
   */
  public NDArray placement(NDManager manager, int[] promptEnd, int seqLen) {
    int n = length();
    float[] p = new float[promptEnd.length * seqLen * n];
    for (int b = 0; b < promptEnd.length; b++) {
      for (int j = 0; j < n; j++) {
        int t = promptEnd[b] - n + j;
        if (t >= 0 && t < seqLen) {
          p[(b * seqLen + t) * n + j] = 1f;
        }
      }
    }
    NDArray placement = manager.create(p, new Shape(promptEnd.length, seqLen, n));
    return Ops.nativeCopy(placement.toType(delta.getDataType(), false));
  }

  /**
   * h + P·δ: [B, T, D] + [B, T, n]·[n, D], in h's dtype and manager. δ may be wider than h (a float32 δ over
   * float16 hidden states): P·δ is computed in δ's dtype and cast, so δ's gradient stays float32.
   */
  public NDArray addTo(NDArray hidden, int[] promptEnd) {
    NDManager m = hidden.getManager();
    try (NDArray placement = placement(m, promptEnd, (int) hidden.getShape().get(1))) {
      return hidden.add(Ops.cast(placement.matMul(delta), hidden.getDataType()));
    }
  }
}
