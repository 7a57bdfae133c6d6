package org.beear.llm;

import ai.djl.ndarray.NDArray;

/**
 * Keys and values of tokens before a pass's first token, which the pass's queries attend to along with their own:
 * a generation's growing {@link KvCache}, or the shared prompt prefixes of entrapment ({@link PromptPrefix}).
 */
public interface PastKeyValues {
  /**
   * Layer {@code layer}'s (0-based) keys and values of the pass's T new tokens, [B, KV, T, d], joined after what
   * came before: [B, KV, S, d] with S = past + T, what the pass's queries attend to (the mask spans S).
   */
  NDArray[] extend(int layer, NDArray keys, NDArray values);
}
