package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Prompt+response sequences, right-padded, with next-token targets and a loss mask on response tokens only.
 * L(F(x), y) = −(1/|y|) Σ_t log p(y_t | x, y_{<t}), averaged over all response tokens of the batch.
 */
public final class SequenceBatch implements AutoCloseable {
  /** A tokenised (prompt, response) pair. */
  public record Example(long[] prompt, long[] response) {
    public int length() {
      return prompt.length + response.length;
    }

    /**
     * At most {@code maxLength} tokens: the end of the response goes first, then, when the prompt alone is too long,
     * its beginning (δ sits at the prompt's end, so that is what must stay); at least one response token is kept.
     * This example itself when it is short enough.
     */
    public Example truncated(int maxLength) {
      if (length() <= maxLength) {
        return this;
      }
      int promptKeep = Math.min(prompt.length, maxLength - 1);
      int responseKeep = Math.min(response.length, maxLength - promptKeep);
      return new Example(java.util.Arrays.copyOfRange(prompt, prompt.length - promptKeep, prompt.length),
          java.util.Arrays.copyOf(response, responseKeep));
    }
  }

  private final NDManager manager;
  private final Inputs inputs;
  private final NDArray targets;
  private final NDArray lossMask;
  private final NDArray tokenCount;
  private final int responseTokens;
  private final NDArray realTokens;

  private SequenceBatch(NDManager manager, Inputs inputs, NDArray targets, NDArray lossMask, int responseTokens,
      NDArray realTokens) {
    this.manager = manager;
    this.inputs = inputs;
    this.targets = targets;
    this.lossMask = lossMask;
    this.realTokens = realTokens;
    this.responseTokens = responseTokens;
    this.tokenCount = manager.full(new Shape(), Math.max(1, responseTokens), DataType.FLOAT32);
  }

  /** Builds the batch in a sub-manager of {@code parent}; closing the batch frees everything it made. */
  public static SequenceBatch of(NDManager parent, List<Example> examples, long padId) {
    return build(parent, examples, null, padId);
  }

  /**
   * A batch of continuations of {@code prefix}'s prompts, row i continuing prompt i: each example's prompt is
   * what remains of its prompt after the prefix (at least one token), and its positions and attention span the
   * prefix's keys and values, which the passes over this batch hand to the model.
   */
  public static SequenceBatch continuing(NDManager parent, List<Example> examples, PromptPrefix prefix,
      long padId) {
    if (examples.size() != prefix.size()) {
      throw new IllegalArgumentException(examples.size() + " continuations of " + prefix.size() + " prompts");
    }
    return build(parent, examples, prefix, padId);
  }

  private static SequenceBatch build(NDManager parent, List<Example> examples, PromptPrefix prefix, long padId) {
    NDManager m = parent.newSubManager();
    int b = examples.size();
    long[][] tokens = new long[b][];
    int[] promptEnd = new int[b];
    int t = 0;
    for (int i = 0; i < b; i++) {
      Example e = examples.get(i);
      if (e.prompt().length == 0) {
        throw new IllegalArgumentException("example " + i + " has an empty prompt");
      }
      tokens[i] = new long[e.length()];
      System.arraycopy(e.prompt(), 0, tokens[i], 0, e.prompt().length);
      System.arraycopy(e.response(), 0, tokens[i], e.prompt().length, e.response().length);
      promptEnd[i] = e.prompt().length;
      t = Math.max(t, e.length());
    }
    long[] next = new long[b * t];
    float[] mask = new float[b * t];
    float[] real = new float[b * t];
    int count = 0;
    for (int i = 0; i < b; i++) {
      java.util.Arrays.fill(real, i * t, i * t + tokens[i].length, 1f);
      // logits at position p predict token p+1; only response tokens are scored
      for (int p = promptEnd[i] - 1; p < tokens[i].length - 1; p++) {
        next[i * t + p] = tokens[i][p + 1];
        mask[i * t + p] = 1f;
        count++;
      }
    }
    Inputs inputs = prefix == null ? Inputs.of(m, tokens, promptEnd, false, padId)
        : Inputs.continuing(m, tokens, prefix.lengths(), prefix.width(), promptEnd, padId);
    NDArray targets = m.create(next, new Shape(b, t, 1));
    NDArray lossMask = Ops.nativeCopy(m.create(mask, new Shape(b, t)));
    return new SequenceBatch(m, inputs, targets, lossMask, count, m.create(real, new Shape(b, t)));
  }

  public Inputs inputs() {
    return inputs;
  }

  public NDManager manager() {
    return manager;
  }

  public int responseTokens() {
    return responseTokens;
  }

  /** [B, T] float32: 1 at each sequence's own tokens, 0 at padding. */
  public NDArray realTokens() {
    return realTokens;
  }

  /** Mean token cross-entropy of the response given the prompt; logits [B, T, V] float32 → scalar. */
  public NDArray loss(NDArray logits) {
    NDArray logProbs = logits.logSoftmax(-1); // [B, T, V]
    NDArray picked = logProbs.gather(targets, -1).squeeze(-1); // [B, T]
    return picked.mul(lossMask).sum().neg().div(tokenCount);
  }

  /** Per example, the summed log-probability of its response: [B]. */
  public NDArray responseLogProbs(NDArray logits) {
    NDArray picked = logits.logSoftmax(-1).gather(targets, -1).squeeze(-1); // [B, T]
    return picked.mul(lossMask).sum(new int[] {1});
  }

  /** Per example, the number of response tokens scored. */
  public NDArray responseLengths() {
    return lossMask.sum(new int[] {1});
  }

  @Override
  public void close() {
    manager.close();
  }
}
