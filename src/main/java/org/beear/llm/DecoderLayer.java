package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;

/**
 * One pre-norm decoder block, h ← h + Attn(RMSNorm(h)); h ← h + MLP(RMSNorm(h)), with grouped-query causal
 * self-attention and a SwiGLU MLP, down(SiLU(gate(x)) ⊙ up(x)). Shapes: B batch, T new tokens, S attended keys
 * (cached + new), D hidden, H query heads, KV key/value heads, d head dim.
 */
final class DecoderLayer {
  private final int index;
  private final ModelConfig config;
  private final NDArray inputNorm;
  private final NDArray postAttentionNorm;
  private final Projection q;
  private final Projection k;
  private final Projection v;
  private final Projection o;
  private final Projection gate;
  private final Projection up;
  private final Projection down;

  DecoderLayer(int index, ModelConfig config, Map<String, NDArray> weights) {
    this.index = index;
    this.config = config;
    String p = prefix(index);
    inputNorm = weights.get(p + "input_layernorm.weight");
    postAttentionNorm = weights.get(p + "post_attention_layernorm.weight");
    q = projection(weights, p + "self_attn.q_proj");
    k = projection(weights, p + "self_attn.k_proj");
    v = projection(weights, p + "self_attn.v_proj");
    o = projection(weights, p + "self_attn.o_proj");
    gate = projection(weights, p + "mlp.gate_proj");
    up = projection(weights, p + "mlp.up_proj");
    down = projection(weights, p + "mlp.down_proj");
  }

  private static Projection projection(Map<String, NDArray> weights, String module) {
    return new Projection(module + ".weight", weights.get(module + ".weight"), weights.get(module + ".bias"));
  }

  static String prefix(int index) {
    return "model.layers." + index + ".";
  }

  /** The seven projections, attention's then the MLP's. */
  List<Projection> projections() {
    return List.of(q, k, v, o, gate, up, down);
  }

  /** h: [B, T, D] → [B, T, D]; {@code past} null when the pass starts at the sequences' first tokens. */
  NDArray forward(NDArray h, Context ctx, PastKeyValues past) {
    NDArray eps = ctx.scalars().of(config.rmsNormEps());
    h = h.add(attention(Ops.rmsNorm(h, inputNorm, eps), ctx, past));
    return h.add(mlp(Ops.rmsNorm(h, postAttentionNorm, eps)));
  }

  /** softmax(q·kᵀ/√d + mask)·v over all heads, projected back: [B, T, D] → [B, T, D]. */
  private NDArray attention(NDArray x, Context ctx, PastKeyValues past) {
    Shape s = x.getShape();
    long b = s.get(0);
    long t = s.get(1);
    int d = config.headDim();
    NDArray queries = heads(q.apply(x), b, t, config.numHeads()); // [B, H, T, d]
    NDArray keys = heads(k.apply(x), b, t, config.numKeyValueHeads()); // [B, KV, T, d]
    NDArray values = heads(v.apply(x), b, t, config.numKeyValueHeads());
    queries = ctx.rotary().apply(queries, ctx.cos(), ctx.sin());
    keys = ctx.rotary().apply(keys, ctx.cos(), ctx.sin());
    if (past != null) {
      NDArray[] kv = past.extend(index, keys, values); // [B, KV, S, d]
      keys = kv[0];
      values = kv[1];
    }
    keys = repeatKv(keys); // [B, H, S, d]
    values = repeatKv(values);
    NDArray scores = queries.matMul(keys.transpose(0, 1, 3, 2)).mul(ctx.scalars().of(1.0 / Math.sqrt(d))); // [B,H,T,S]
    // the softmax in float32, as transformers computes it
    NDArray probs = Ops.cast(Ops.atLeastFloat32(scores).add(ctx.inputs().mask()).softmax(-1), queries.getDataType());
    NDArray attended = probs.matMul(values).transpose(0, 2, 1, 3).reshape(b, t, (long) config.numHeads() * d);
    return o.apply(attended);
  }

  /** down(SiLU(gate(y)) ⊙ up(y)): [B, T, D] → [B, T, F] → [B, T, D]. */
  private NDArray mlp(NDArray y) {
    return down.apply(Ops.silu(gate.apply(y)).mul(up.apply(y)));
  }

  /** [B, T, n·d] → [B, n, T, d]. */
  private NDArray heads(NDArray x, long b, long t, int n) {
    return x.reshape(b, t, n, config.headDim()).transpose(0, 2, 1, 3);
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

  /** What every layer of one pass shares: the inputs (mask), rotary tables for their positions, constants. */
  record Context(Inputs inputs, NDArray cos, NDArray sin, RotaryEmbedding rotary, Ops.Scalars scalars) {}
}
