package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;

/**
 * One pre-norm decoder block: h ← h + Attn(RMSNorm(h)); h ← h + MLP(RMSNorm(h)), with grouped-query causal
 * self-attention and a SwiGLU MLP, down(SiLU(gate(x)) ⊙ up(x)).
 */
final class DecoderLayer {
  private final int index;
  private final ModelConfig config;
  private final NDArray inputNorm;
  private final NDArray postAttentionNorm;
  private final NDArray wq;
  private final NDArray wk;
  private final NDArray wv;
  private final NDArray wo;
  private final NDArray bq;
  private final NDArray bk;
  private final NDArray bv;
  private final NDArray wGate;
  private final NDArray wUp;
  private final NDArray wDown;

  DecoderLayer(int index, ModelConfig config, Map<String, NDArray> weights) {
    this.index = index;
    this.config = config;
    String p = prefix(index);
    inputNorm = weights.get(p + "input_layernorm.weight");
    postAttentionNorm = weights.get(p + "post_attention_layernorm.weight");
    wq = weights.get(p + "self_attn.q_proj.weight");
    wk = weights.get(p + "self_attn.k_proj.weight");
    wv = weights.get(p + "self_attn.v_proj.weight");
    wo = weights.get(p + "self_attn.o_proj.weight");
    bq = weights.get(p + "self_attn.q_proj.bias");
    bk = weights.get(p + "self_attn.k_proj.bias");
    bv = weights.get(p + "self_attn.v_proj.bias");
    wGate = weights.get(p + "mlp.gate_proj.weight");
    wUp = weights.get(p + "mlp.up_proj.weight");
    wDown = weights.get(p + "mlp.down_proj.weight");
  }

  static String prefix(int index) {
    return "model.layers." + index + ".";
  }

  /**
   * @param h     [B, T, D]
   * @param rope  cos and sin, [B, 1, T, d]
   * @param cache null outside generation
   * @return [B, T, D]
   */
  NDArray forward(NDArray h, Inputs in, NDArray cos, NDArray sin, RotaryEmbedding rotary, KvCache cache,
      Ops.Scalars scalars) {
    Shape s = h.getShape();
    long b = s.get(0);
    long t = s.get(1);
    int heads = config.numHeads();
    int kvHeads = config.numKeyValueHeads();
    int d = config.headDim();

    NDArray x = Ops.rmsNorm(h, inputNorm, scalars.of(config.rmsNormEps()));
    NDArray q = Ops.linear(x, wq, bq).reshape(b, t, heads, d).transpose(0, 2, 1, 3); // [B, H, T, d]
    NDArray k = Ops.linear(x, wk, bk).reshape(b, t, kvHeads, d).transpose(0, 2, 1, 3); // [B, KV, T, d]
    NDArray v = Ops.linear(x, wv, bv).reshape(b, t, kvHeads, d).transpose(0, 2, 1, 3);
    q = rotary.apply(q, cos, sin);
    k = rotary.apply(k, cos, sin);
    if (cache != null) {
      NDArray[] kv = cache.append(index, k, v); // [B, KV, S, d]
      k = kv[0];
      v = kv[1];
    }
    k = repeatKv(k);
    v = repeatKv(v);

    // softmax(q·kᵀ / sqrt(d) + mask) · v, the softmax in float32 as transformers does
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scalars.of(1.0 / Math.sqrt(d))); // [B, H, T, S]
    NDArray probs = Ops.atLeastFloat32(scores).add(in.mask()).softmax(-1)
        .toType(q.getDataType(), false);
    NDArray attended = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * d); // [B, T, H·d]
    h = h.add(Ops.linear(attended, wo, null));

    NDArray y = Ops.rmsNorm(h, postAttentionNorm, scalars.of(config.rmsNormEps()));
    NDArray mlp = Ops.linear(Ops.silu(Ops.linear(y, wGate, null)).mul(Ops.linear(y, wUp, null)), wDown, null);
    return h.add(mlp);
  }

  /** [B, KV, S, d] → [B, H, S, d], each key/value head shared by H/KV query heads. */
  private NDArray repeatKv(NDArray x) {
    int groups = config.kvGroups();
    if (groups == 1) {
      return x;
    }
    Shape s = x.getShape();
    return x.expandDims(2)
        .broadcast(new Shape(s.get(0), s.get(1), groups, s.get(2), s.get(3)))
        .reshape(s.get(0), s.get(1) * groups, s.get(2), s.get(3));
  }
}
