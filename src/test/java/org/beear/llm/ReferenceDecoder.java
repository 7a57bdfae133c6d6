package org.beear.llm;

import java.util.Map;

/**
 * An independent, loop-by-loop double-precision implementation of transformers' Llama forward pass for one
 * unpadded sequence, used to check the NDArray decoder. Written from the transformers conventions, not from
 * the engine's code: rotate-half RoPE (θ_i = base^(-2i/d), Llama 3 scaling), RMSNorm, GQA, SwiGLU, biases.
 */
final class ReferenceDecoder {
  private final ModelConfig c;
  private final Map<String, float[]> w;

  ReferenceDecoder(ModelConfig config, Map<String, float[]> weights) {
    this.c = config;
    this.w = weights;
  }

  /** logits [T][V] for tokens at positions 0..T-1; {@code delta} (may be null) is added after layer l. */
  double[][] logits(long[] tokens, int deltaLayer, double[][] delta) {
    int t = tokens.length;
    int d = c.hiddenSize();
    double[][] h = new double[t][d];
    float[] emb = w.get("model.embed_tokens.weight");
    for (int i = 0; i < t; i++) {
      for (int j = 0; j < d; j++) {
        h[i][j] = emb[(int) tokens[i] * d + j];
      }
    }
    for (int l = 0; l < c.numLayers(); l++) {
      h = layer(l, h);
      if (delta != null && l + 1 == deltaLayer) {
        int n = delta.length;
        for (int k = 0; k < n; k++) {
          int pos = t - n + k;
          for (int j = 0; j < d; j++) {
            h[pos][j] += delta[k][j];
          }
        }
      }
    }
    double[][] normed = rms(h, w.get("model.norm.weight"));
    float[] head = w.getOrDefault("lm_head.weight", emb);
    return matT(normed, head, c.vocabSize(), null);
  }

  private double[][] layer(int l, double[][] h) {
    String p = "model.layers." + l + ".";
    int t = h.length;
    int hd = c.headDim();
    int heads = c.numHeads();
    int kvHeads = c.numKeyValueHeads();
    double[][] x = rms(h, w.get(p + "input_layernorm.weight"));
    double[][] q = matT(x, w.get(p + "self_attn.q_proj.weight"), heads * hd, w.get(p + "self_attn.q_proj.bias"));
    double[][] k = matT(x, w.get(p + "self_attn.k_proj.weight"), kvHeads * hd, w.get(p + "self_attn.k_proj.bias"));
    double[][] v = matT(x, w.get(p + "self_attn.v_proj.weight"), kvHeads * hd, w.get(p + "self_attn.v_proj.bias"));
    double[] inv = inverseFrequencies();
    for (int pos = 0; pos < t; pos++) {
      rope(q[pos], heads, inv, pos);
      rope(k[pos], kvHeads, inv, pos);
    }
    double[][] attn = new double[t][heads * hd];
    int groups = heads / kvHeads;
    for (int head = 0; head < heads; head++) {
      int kvHead = head / groups;
      for (int i = 0; i < t; i++) {
        double[] scores = new double[i + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= i; j++) {
          double s = 0;
          for (int e = 0; e < hd; e++) {
            s += q[i][head * hd + e] * k[j][kvHead * hd + e];
          }
          scores[j] = s / Math.sqrt(hd);
          max = Math.max(max, scores[j]);
        }
        double sum = 0;
        for (int j = 0; j <= i; j++) {
          scores[j] = Math.exp(scores[j] - max);
          sum += scores[j];
        }
        for (int j = 0; j <= i; j++) {
          for (int e = 0; e < hd; e++) {
            attn[i][head * hd + e] += scores[j] / sum * v[j][kvHead * hd + e];
          }
        }
      }
    }
    double[][] o = matT(attn, w.get(p + "self_attn.o_proj.weight"), c.hiddenSize(), null);
    double[][] h2 = add(h, o);
    double[][] y = rms(h2, w.get(p + "post_attention_layernorm.weight"));
    double[][] gate = matT(y, w.get(p + "mlp.gate_proj.weight"), c.intermediateSize(), null);
    double[][] up = matT(y, w.get(p + "mlp.up_proj.weight"), c.intermediateSize(), null);
    for (int i = 0; i < t; i++) {
      for (int j = 0; j < gate[i].length; j++) {
        double g = gate[i][j];
        gate[i][j] = g / (1 + Math.exp(-g)) * up[i][j];
      }
    }
    return add(h2, matT(gate, w.get(p + "mlp.down_proj.weight"), c.hiddenSize(), null));
  }

  private double[] inverseFrequencies() {
    int half = c.headDim() / 2;
    double[] inv = new double[half];
    for (int i = 0; i < half; i++) {
      inv[i] = 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / c.headDim());
      ModelConfig.RopeScaling s = c.ropeScaling();
      if (s != null) {
        double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
        double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
        double wavelen = 2 * Math.PI / inv[i];
        if (wavelen < highWavelen) {
          // high frequency: unchanged
        } else if (wavelen > lowWavelen) {
          inv[i] = inv[i] / s.factor();
        } else {
          double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
              / (s.highFreqFactor() - s.lowFreqFactor());
          inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
        }
      }
    }
    return inv;
  }

  /** rotate-half: pairs (e, e + d/2) rotate by angle pos·θ_e. */
  private void rope(double[] vec, int heads, double[] inv, int pos) {
    int hd = c.headDim();
    int half = hd / 2;
    for (int head = 0; head < heads; head++) {
      int base = head * hd;
      for (int e = 0; e < half; e++) {
        double angle = pos * inv[e];
        double a = vec[base + e];
        double b = vec[base + e + half];
        vec[base + e] = a * Math.cos(angle) - b * Math.sin(angle);
        vec[base + e + half] = b * Math.cos(angle) + a * Math.sin(angle);
      }
    }
  }

  private double[][] rms(double[][] h, float[] weight) {
    double[][] out = new double[h.length][h[0].length];
    for (int i = 0; i < h.length; i++) {
      double ms = 0;
      for (double x : h[i]) {
        ms += x * x;
      }
      double scale = 1 / Math.sqrt(ms / h[i].length + c.rmsNormEps());
      for (int j = 0; j < h[i].length; j++) {
        out[i][j] = h[i][j] * scale * weight[j];
      }
    }
    return out;
  }

  /** x·Wᵀ + b with W [out, in] row-major. */
  private static double[][] matT(double[][] x, float[] weight, int out, float[] bias) {
    int in = x[0].length;
    double[][] y = new double[x.length][out];
    for (int i = 0; i < x.length; i++) {
      for (int o = 0; o < out; o++) {
        double s = bias == null ? 0 : bias[o];
        for (int j = 0; j < in; j++) {
          s += x[i][j] * weight[o * in + j];
        }
        y[i][o] = s;
      }
    }
    return y;
  }

  private static double[][] add(double[][] a, double[][] b) {
    double[][] y = new double[a.length][a[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        y[i][j] = a[i][j] + b[i][j];
      }
    }
    return y;
  }
}
