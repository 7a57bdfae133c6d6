package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for generation, preallocated to the final length so each new token is one
 * in-place write instead of a growing concatenation.
 */
public final class KvCache implements PastKeyValues, AutoCloseable {
  private final NDArray[] keys;
  private final NDArray[] values;
  private int length;

  public KvCache(NDManager manager, ModelConfig config, int batch, int capacity, DataType type) {
    keys = new NDArray[config.numLayers()];
    values = new NDArray[config.numLayers()];
    Shape shape = new Shape(batch, config.numKeyValueHeads(), capacity, config.headDim());
    for (int l = 0; l < keys.length; l++) {
      keys[l] = manager.zeros(shape, type);
      values[l] = manager.zeros(shape, type);
    }
  }

  /** Tokens already cached. */
  public int length() {
    return length;
  }

  public int capacity() {
    return (int) keys[0].getShape().get(2);
  }

  /** Writes k, v [B, kv, T, d] of layer l after the cached tokens; returns the views up to the new end. */
  @Override
  public NDArray[] extend(int layer, NDArray k, NDArray v) {
    int t = (int) k.getShape().get(2);
    int end = length + t;
    if (end > capacity()) {
      throw new IllegalStateException("KV cache full: " + end + " > " + capacity());
    }
    NDIndex slot = new NDIndex(":, :, {}:{}", length, end);
    keys[layer].set(slot, k);
    values[layer].set(slot, v);
    NDIndex upTo = new NDIndex(":, :, :{}", end);
    NDArray keyView = keys[layer].get(upTo);
    NDArray valueView = values[layer].get(upTo);
    // views belong to the step that reads them, not to the cache's long-lived manager
    keyView.attach(k.getManager());
    valueView.attach(k.getManager());
    return new NDArray[] {keyView, valueView};
  }

  /** Called once all layers have appended the same T tokens. */
  void advance(int t) {
    length += t;
  }

  @Override
  public void close() {
    for (int l = 0; l < keys.length; l++) {
      keys[l].close();
      values[l].close();
    }
  }
}
