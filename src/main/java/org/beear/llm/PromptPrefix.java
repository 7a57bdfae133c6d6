package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * The keys and values of m prompts' prefixes at every decoder layer, computed once without a graph and read by
 * every later pass over continuations of those prompts (row i continuing prompt i). By causal attention nothing
 * after a prefix changes what the prefix computes, so entrapment, whose δ sits at the end of each prompt, computes
 * the part of each prompt before δ once per batch instead of once per inner step and per response.
 *
 * <p>Prefixes are right-padded to the longest, P positions; the continuations' masks ({@link
 * SequenceBatch#continuing}) hide each row's padding. A prefix may be empty (a prompt no longer than δ).
 */
public final class PromptPrefix implements PastKeyValues, AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys; // per layer: [m, KV, P, d]; null once released
  private final NDArray[] values;
  private final int[] lengths;
  private final int width;
  private final double squaredNormAtLayer;
  private final double[] tokenSquaredNorms;

  private PromptPrefix(NDManager manager, NDArray[] keys, NDArray[] values, int[] lengths, int width,
      double squaredNormAtLayer, double[] tokenSquaredNorms) {
    this.manager = manager;
    this.keys = keys;
    this.values = values;
    this.lengths = lengths;
    this.width = width;
    this.squaredNormAtLayer = squaredNormAtLayer;
    this.tokenSquaredNorms = tokenSquaredNorms;
  }

  /**
   * Runs the prefixes through all layers (autograd must be off) in a sub-manager of {@code parent}, and keeps
   * their keys and values for {@code copies} continuations of each: rows 0..m-1 continue prompts 0..m-1, rows
   * m..2m-1 continue them again, and so on, so one pass holds every continuation.
   *
   * @param layer the anchor layer l: the squared norm of F_{1..l} over the prefixes' real tokens is kept, in all and
   *              per token, counted once per continuation
   */
  public static PromptPrefix compute(LlamaModel model, NDManager parent, List<long[]> prefixes, long padId,
      int layer, int copies) {
    NDManager m = parent.newSubManager();
    int layers = model.config().numLayers();
    NDArray[] keys = new NDArray[layers];
    NDArray[] values = new NDArray[layers];
    int[] once = prefixes.stream().mapToInt(p -> p.length).toArray();
    int[] lengths = new int[once.length * copies];
    for (int c = 0; c < copies; c++) {
      System.arraycopy(once, 0, lengths, c * once.length, once.length);
    }
    int width = java.util.Arrays.stream(lengths).max().orElse(0);
    if (width == 0) {
      return new PromptPrefix(m, keys, values, lengths, 0, 0, new double[0]);
    }
    PastKeyValues recorder = (i, k, v) -> {
      keys[i] = tiled(k, copies, m); // out of the layer's scope: the prefix keeps them
      values[i] = tiled(v, copies, m);
      return new NDArray[] {k, v};
    };
    double squares;
    double[] tokenSquares = new double[lengths.length == 0 ? 0 : java.util.Arrays.stream(lengths).sum()];
    try (NDManager pass = m.newSubManager()) {
      Inputs in = Inputs.of(pass, prefixes.toArray(long[][]::new), null, false, padId);
      NDArray hidden = model.prefill(in, recorder, layer); // [m, P, D]
      boolean[] real = new boolean[once.length * width];
      for (int i = 0; i < once.length; i++) {
        java.util.Arrays.fill(real, i * width, i * width + once[i], true);
      }
      NDArray wide = Ops.atLeastFloat32(hidden);
      NDArray mask = pass.create(real, new ai.djl.ndarray.types.Shape(once.length, width, 1))
          .toType(wide.getDataType(), false);
      NDArray square = wide.square();
      squares = copies * Ops.value(square.mul(mask).sum());
      double[] perToken = Ops.values(square.sum(new int[] {2})); // [m · P], row-major
      int at = 0;
      for (int c = 0; c < copies; c++) {
        for (int i = 0; i < once.length; i++) {
          System.arraycopy(perToken, i * width, tokenSquares, at, once[i]);
          at += once[i];
        }
      }
    }
    return new PromptPrefix(m, keys, values, lengths, width, squares, tokenSquares);
  }

  /** [m, ...] → [copies·m, ...], the rows repeated block-wise, owned by {@code owner}. */
  private static NDArray tiled(NDArray x, int copies, NDManager owner) {
    NDArray out = x;
    if (copies > 1) {
      NDArray[] blocks = new NDArray[copies];
      java.util.Arrays.fill(blocks, x);
      out = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(blocks), 0);
    }
    out.attach(owner);
    return out;
  }

  /** Rows a continuing pass must hold: the prompts times the continuations of each. */
  public int size() {
    return lengths.length;
  }

  /** P: the longest prefix, the past positions every continuation's mask spans. */
  public int width() {
    return width;
  }

  /** Per prompt, the real tokens of its prefix. */
  public int[] lengths() {
    return lengths.clone();
  }

  /** The sum of squares of F_{1..l} over the prefixes' real tokens, once per continuation. */
  public double squaredNormAtLayer() {
    return squaredNormAtLayer;
  }

  /** Each real token's squared L2 norm of F_{1..l}, prompt by prompt, once per continuation. */
  public double[] tokenSquaredNorms() {
    return tokenSquaredNorms.clone();
  }

  /** The prefixes' real tokens, once per continuation. */
  public int tokens() {
    return java.util.Arrays.stream(lengths).sum();
  }

  /** Frees the keys and values of layers 1..l (1-based), once no pass will run them again. */
  public void releaseThrough(int layer) {
    for (int i = 0; i < layer; i++) {
      if (keys[i] != null) {
        keys[i].close();
        values[i].close();
        keys[i] = null;
        values[i] = null;
      }
    }
  }

  /** [m, KV, P, d] ⧺ [m, KV, T, d] along the positions: the prefix's keys and values, then the pass's own. */
  @Override
  public NDArray[] extend(int layer, NDArray k, NDArray v) {
    if (width == 0) {
      return new NDArray[] {k, v};
    }
    if (keys[layer] == null) {
      throw new IllegalStateException("the prefix's keys and values of layer " + (layer + 1) + " were released");
    }
    if (k.getShape().get(0) != lengths.length) {
      throw new IllegalArgumentException(k.getShape().get(0) + " rows continue " + lengths.length + " prompts");
    }
    NDArray joinedKeys = keys[layer].concat(k, 2);
    NDArray joinedValues = values[layer].concat(v, 2);
    joinedKeys.attach(k.getManager()); // the pass's, not the prefix's
    joinedValues.attach(k.getManager());
    return new NDArray[] {joinedKeys, joinedValues};
  }

  @Override
  public void close() {
    manager.close();
  }
}
