package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding in transformers' rotate-half form:
 * {@code q' = q·cos(pθ) + rotate_half(q)·sin(pθ)}, θ_i = base^(-2i/d), with Llama 3.1's frequency scaling.
 */
public final class RotaryEmbedding {
  private final float[] inverseFrequencies;
  private final int halfDim;

  public RotaryEmbedding(ModelConfig config) {
    int dim = config.headDim();
    this.halfDim = dim / 2;
    float[] inv = new float[halfDim];
    for (int i = 0; i < halfDim; i++) {
      // float32 like torch: 1 / base ** (arange(0, dim, 2).float() / dim)
      inv[i] = (float) (1.0 / Math.pow(config.ropeTheta(), (float) (2 * i) / dim));
    }
    ModelConfig.RopeScaling s = config.ropeScaling();
    if (s != null) {
      inv = llama3Scaling(inv, s);
    }
    this.inverseFrequencies = inv;
  }

  /** transformers' _compute_llama3_parameters: long wavelengths slowed by factor, a smooth band in between. */
  private static float[] llama3Scaling(float[] inv, ModelConfig.RopeScaling s) {
    double oldContext = s.originalMaxPositionEmbeddings();
    double lowFreqWavelen = oldContext / s.lowFreqFactor();
    double highFreqWavelen = oldContext / s.highFreqFactor();
    float[] out = new float[inv.length];
    for (int i = 0; i < inv.length; i++) {
      double wavelen = 2 * Math.PI / inv[i];
      double scaled = wavelen > lowFreqWavelen ? inv[i] / s.factor() : inv[i];
      boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
      if (medium) {
        double smooth = (oldContext / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
        scaled = (1 - smooth) * scaled / s.factor() + smooth * scaled;
      }
      out[i] = (float) scaled;
    }
    return out;
  }

  /**
   * cos and sin tables for the given positions.
   *
   * @param positions [B, T] int64
   * @param manager   owns the tables; their temporaries are freed before this returns
   * @return cos, sin, each [B, 1, T, headDim] in {@code type}, ready to broadcast over heads
   */
  public NDList tables(NDArray positions, DataType type, NDManager manager) {
    try (NDManager m = manager.newSubManager()) {
      NDArray inv = m.create(inverseFrequencies, new Shape(1, 1, halfDim));
      NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(-1); // [B, T, 1]
      freqs.attach(m);
      freqs = freqs.mul(inv); // [B, T, d/2]
      NDArray emb = freqs.concat(freqs, -1).expandDims(1); // [B, 1, T, d]
      NDList tables = new NDList(emb.cos().toType(type, false), emb.sin().toType(type, false));
      tables.attach(manager);
      return tables;
    }
  }

  /** x: [B, heads, T, d] → rotated, same shape. */
  public NDArray apply(NDArray x, NDArray cos, NDArray sin) {
    NDArray first = x.get(new NDIndex("..., :{}", halfDim));
    NDArray second = x.get(new NDIndex("..., {}:", halfDim));
    NDArray rotated = second.neg().concat(first, -1);
    return x.mul(cos).add(rotated.mul(sin));
  }
}
