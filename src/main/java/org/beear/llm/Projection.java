package org.beear.llm;

import ai.djl.ndarray.NDArray;

/**
 * One weight matrix of a decoder layer applied to its input, y = x·Wᵀ (+ b), plus x·Aᵀ·Bᵀ·s while a low-rank
 * adapter is attached (W stays as loaded; the adapter is what trains).
 */
final class Projection {
  private final String name;
  private final NDArray weight;
  private final NDArray bias;
  private LowRankAdapter adapter;

  Projection(String name, NDArray weight, NDArray bias) {
    this.name = name;
    this.weight = weight;
    this.bias = bias;
  }

  String name() {
    return name;
  }

  NDArray weight() {
    return weight;
  }

  LowRankAdapter adapter() {
    return adapter;
  }

  void attach(LowRankAdapter adapter) {
    this.adapter = adapter;
  }

  /** x: [..., in] → [..., out]. */
  NDArray apply(NDArray x) {
    NDArray y = Ops.linear(x, weight, bias);
    return adapter == null ? y : y.add(adapter.apply(x));
  }
}
