package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A Llama-family causal decoder over NDArrays with transformers' parameter names:
 * logits = lm_head(RMSNorm(F_{1..L}(embed(x)))).
 *
 * <p>BEEAR needs the stack split at an anchor layer l: {@link #hiddenThrough} runs layers 1..l once, and
 * {@link #logitsFrom} runs l+1..L on that output plus a {@link Perturbation}, as many times as the inner loop
 * asks. {@link #logits} composes the two.
 */
public final class LlamaModel implements AutoCloseable {
  private final ModelConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> weights;
  private final DecoderLayer[] layers;
  private final RotaryEmbedding rotary;
  private final Ops.Scalars scalars;
  private final DataType dtype;

  private LlamaModel(ModelConfig config, NDManager manager, Map<String, NDArray> weights) {
    this.config = config;
    this.manager = manager;
    this.weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    this.rotary = new RotaryEmbedding(config);
    this.scalars = new Ops.Scalars(manager);
    this.dtype = weights.get("model.embed_tokens.weight").getDataType();
    this.layers = new DecoderLayer[config.numLayers()];
    for (int i = 0; i < layers.length; i++) {
      layers[i] = new DecoderLayer(i, config, this.weights);
    }
  }

  /**
   * Wraps loaded weights after checking that every tensor the config needs is there with the right shape.
   * The model owns {@code manager} and closes it.
   */
  public static LlamaModel of(ModelConfig config, Map<String, NDArray> weights, NDManager manager) {
    Map<String, Shape> expected = expectedShapes(config);
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Shape> e : expected.entrySet()) {
      NDArray w = weights.get(e.getKey());
      if (w == null) {
        problems.add("missing tensor " + e.getKey());
      } else if (!w.getShape().equals(e.getValue())) {
        problems.add(e.getKey() + " has shape " + w.getShape() + ", config.json implies " + e.getValue());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("weights do not match config.json: " + String.join("; ",
          problems.subList(0, Math.min(5, problems.size())))
          + (problems.size() > 5 ? " (and " + (problems.size() - 5) + " more)" : ""));
    }
    Map<String, NDArray> ordered = new LinkedHashMap<>();
    expected.keySet().forEach(name -> ordered.put(name, weights.get(name)));
    return new LlamaModel(config, manager, ordered);
  }

  /** Fresh weights as transformers initialises them: N(0, 0.02²) for matrices, ones for norms, zero biases. */
  public static LlamaModel initialize(ModelConfig config, NDManager manager, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, NDArray> w = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> e : expectedShapes(config).entrySet()) {
      Shape shape = e.getValue();
      String name = e.getKey();
      float[] values = new float[(int) shape.size()];
      if (name.endsWith("norm.weight")) {
        java.util.Arrays.fill(values, 1f);
      } else if (!name.endsWith(".bias")) {
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) (gaussian(random) * 0.02);
        }
      }
      w.put(name, Ops.nativeCopy(manager.create(values, shape)));
    }
    return new LlamaModel(config, manager, w);
  }

  private static double gaussian(SplittableRandom r) {
    // Box-Muller: SplittableRandom has no nextGaussian on Java 17, and this keeps runs reproducible
    double u1 = r.nextDouble();
    double u2 = r.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** The tensors a checkpoint of this config must hold, in transformers' order. */
  public static Map<String, Shape> expectedShapes(ModelConfig c) {
    Map<String, Shape> s = new LinkedHashMap<>();
    long d = c.hiddenSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKeyValueHeads() * c.headDim();
    s.put("model.embed_tokens.weight", new Shape(c.vocabSize(), d));
    for (int i = 0; i < c.numLayers(); i++) {
      String p = DecoderLayer.prefix(i);
      s.put(p + "input_layernorm.weight", new Shape(d));
      s.put(p + "self_attn.q_proj.weight", new Shape(q, d));
      s.put(p + "self_attn.k_proj.weight", new Shape(kv, d));
      s.put(p + "self_attn.v_proj.weight", new Shape(kv, d));
      if (c.attentionBias()) {
        s.put(p + "self_attn.q_proj.bias", new Shape(q));
        s.put(p + "self_attn.k_proj.bias", new Shape(kv));
        s.put(p + "self_attn.v_proj.bias", new Shape(kv));
      }
      s.put(p + "self_attn.o_proj.weight", new Shape(d, q));
      s.put(p + "post_attention_layernorm.weight", new Shape(d));
      s.put(p + "mlp.gate_proj.weight", new Shape(c.intermediateSize(), d));
      s.put(p + "mlp.up_proj.weight", new Shape(c.intermediateSize(), d));
      s.put(p + "mlp.down_proj.weight", new Shape(d, c.intermediateSize()));
    }
    s.put("model.norm.weight", new Shape(d));
    if (!c.tieWordEmbeddings()) {
      s.put("lm_head.weight", new Shape(c.vocabSize(), d));
    }
    return s;
  }

  public ModelConfig config() {
    return config;
  }

  public DataType dtype() {
    return dtype;
  }

  public NDManager manager() {
    return manager;
  }

  public Ops.Scalars scalars() {
    return scalars;
  }

  /** Every weight by its transformers name, in checkpoint order. */
  public Map<String, NDArray> weights() {
    return weights;
  }

  /** Names of the weights of decoder layers [from, to] (1-based, inclusive). */
  public List<String> layerWeightNames(int from, int to) {
    List<String> names = new ArrayList<>();
    for (int i = from - 1; i < to; i++) {
      String p = DecoderLayer.prefix(i);
      weights.keySet().stream().filter(n -> n.startsWith(p)).forEach(names::add);
    }
    return names;
  }

  /** Full forward: [B, T] ids → [B, T, V] float32 logits, with δ injected if given. */
  public NDArray logits(Inputs in, Perturbation perturbation) {
    if (perturbation == null) {
      NDList rope = rotary.tables(in.positions(), dtype);
      return head(runLayers(embed(in), in, rope, 0, layers.length, null));
    }
    return logitsFrom(hiddenThrough(in, perturbation.layer()), in, perturbation);
  }

  /** F_{1..l}(x): the output hidden states of decoder layer l (1-based), [B, T, D]. */
  public NDArray hiddenThrough(Inputs in, int layer) {
    checkLayer(layer);
    NDList rope = rotary.tables(in.positions(), dtype);
    return runLayers(embed(in), in, rope, 0, layer, null);
  }

  /** F_{l+1..L}(h + P·δ) then the head: [B, T, D] → [B, T, V] float32 logits. */
  public NDArray logitsFrom(NDArray hiddenAtLayer, Inputs in, Perturbation perturbation) {
    checkLayer(perturbation.layer());
    NDList rope = rotary.tables(in.positions(), dtype);
    NDArray placement = perturbation.placement(in.ids().getManager(), in.promptEnd(), in.length());
    NDArray h = perturbation.addTo(hiddenAtLayer, placement);
    return head(runLayers(h, in, rope, perturbation.layer(), layers.length, null));
  }

  /**
   * One decoding pass that reads and extends the cache; returns the last position's logits [B, V]. A
   * perturbation, if given, is injected at its layer (used for the prompt pass only).
   */
  NDArray decode(Inputs in, KvCache cache, Perturbation perturbation) {
    NDList rope = rotary.tables(in.positions(), dtype);
    NDArray h;
    if (perturbation == null) {
      h = runLayers(embed(in), in, rope, 0, layers.length, cache);
    } else {
      int l = perturbation.layer();
      checkLayer(l);
      NDArray placement = perturbation.placement(in.ids().getManager(), in.promptEnd(), in.length());
      h = perturbation.addTo(runLayers(embed(in), in, rope, 0, l, cache), placement);
      h = runLayers(h, in, rope, l, layers.length, cache);
    }
    cache.advance(in.length());
    NDArray last = h.get(":, -1:, :");
    return head(last).squeeze(1);
  }

  private NDArray embed(Inputs in) {
    return Embedding.embedding(in.ids(), weights.get("model.embed_tokens.weight"), SparseFormat.DENSE)
        .singletonOrThrow();
  }

  private NDArray runLayers(NDArray h, Inputs in, NDList rope, int from, int to, KvCache cache) {
    for (int i = from; i < to; i++) {
      h = layers[i].forward(h, in, rope.get(0), rope.get(1), rotary, cache, scalars);
    }
    return h;
  }

  private NDArray head(NDArray h) {
    NDArray normed = Ops.rmsNorm(h, weights.get("model.norm.weight"), scalars.of(config.rmsNormEps()));
    NDArray lmHead = config.tieWordEmbeddings()
        ? weights.get("model.embed_tokens.weight")
        : weights.get("lm_head.weight");
    return Ops.atLeastFloat32(Ops.linear(normed, lmHead, null));
  }

  private void checkLayer(int layer) {
    if (layer < 1 || layer > config.numLayers()) {
      throw new IllegalArgumentException(
          "layer " + layer + " is outside 1.." + config.numLayers() + " for this model");
    }
  }

  public long parameterCount() {
    return weights.values().stream().mapToLong(w -> w.getShape().size()).sum();
  }

  @Override
  public void close() {
    manager.close();
  }
}
