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
  /** Every projection of every layer by its weight's name, where adapters attach. */
  private final Map<String, Projection> projections = new LinkedHashMap<>();

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
      layers[i].projections().forEach(p -> projections.put(p.name(), p));
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

  /**
   * Random weights drawn by PyTorch in {@code type} (matrices N(0, 0.02²), norms ones, biases zeros): for
   * benchmarks of large shapes, without a Java copy of any tensor.
   */
  public static LlamaModel random(ModelConfig config, NDManager manager, DataType type, long seed) {
    manager.getEngine().setRandomSeed((int) seed);
    Map<String, NDArray> w = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> e : expectedShapes(config).entrySet()) {
      String name = e.getKey();
      NDArray t;
      if (name.endsWith("norm.weight")) {
        t = manager.ones(e.getValue(), type);
      } else if (name.endsWith(".bias")) {
        t = manager.zeros(e.getValue(), type);
      } else {
        t = manager.randomNormal(0, 0.02f, e.getValue(), type);
      }
      w.put(name, t);
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

  /** Names of the projection weights (attention and MLP matrices) of decoder layers [from, to], 1-based. */
  public List<String> projectionNames(int from, int to) {
    List<String> names = new ArrayList<>();
    for (int i = from - 1; i < to; i++) {
      layers[i].projections().forEach(p -> names.add(p.name()));
    }
    return names;
  }

  /**
   * Attaches a fresh LoRA adapter of rank r to the projection {@code weightName}: A ~ U(±1/√in) as PEFT
   * initialises it, B = 0, scale α/r, both in the model's dtype and manager. Replaces an earlier adapter.
   */
  public LowRankAdapter attachAdapter(String weightName, int rank, double alpha, long seed) {
    Projection p = projections.get(weightName);
    if (p == null) {
      throw new IllegalArgumentException("no projection named " + weightName);
    }
    Shape w = p.weight().getShape();
    long out = w.get(0);
    long in = w.get(1);
    SplittableRandom random = new SplittableRandom(seed ^ weightName.hashCode());
    float[] a = new float[Math.toIntExact(rank * in)];
    double bound = 1 / Math.sqrt(in);
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    }
    NDArray aArray = Ops.nativeCopy(manager.create(a, new Shape(rank, in))).toType(dtype, false);
    NDArray bArray = manager.zeros(new Shape(out, rank), dtype);
    return attachAdapter(weightName, aArray, bArray, alpha / rank);
  }

  /**
   * Attaches the adapter A [r, in], B [out, r] with scale s to the projection {@code weightName}, replacing an
   * earlier one; the model owns A and B from then on (they should be in its dtype, manager and device).
   */
  public LowRankAdapter attachAdapter(String weightName, NDArray a, NDArray b, double scale) {
    Projection p = projections.get(weightName);
    if (p == null) {
      throw new IllegalArgumentException("no projection named " + weightName);
    }
    Shape w = p.weight().getShape();
    long rank = a.getShape().get(0);
    if (!a.getShape().equals(new Shape(rank, w.get(1))) || !b.getShape().equals(new Shape(w.get(0), rank))) {
      throw new IllegalArgumentException("adapter of " + weightName + " has A " + a.getShape() + " and B "
          + b.getShape() + ", which do not fit its weight " + w);
    }
    LowRankAdapter adapter = new LowRankAdapter(weightName, a, b, scalars.of(scale));
    detach(p);
    p.attach(adapter);
    return adapter;
  }

  /** The attached adapters by the name of the weight each adapts, in layer order. */
  public Map<String, LowRankAdapter> adapters() {
    Map<String, LowRankAdapter> out = new LinkedHashMap<>();
    projections.forEach((name, p) -> {
      if (p.adapter() != null) {
        out.put(name, p.adapter());
      }
    });
    return out;
  }

  /**
   * Folds every attached adapter into its weight, W ← W + s·B·A in the model's dtype, and frees the adapters: the
   * model computes what it computed, on one path, so that other adapters can be attached where these were.
   */
  public void mergeAdapters() {
    GradMode.off();
    for (Projection p : projections.values()) {
      LowRankAdapter a = p.adapter();
      if (a == null) {
        continue;
      }
      try (NDManager scope = manager.newSubManager()) {
        scope.tempAttachAll(a.a(), a.b(), a.scale(), p.weight());
        NDArray delta = a.b().matMul(a.a()).mul(a.scale());
        p.weight().set(new ai.djl.ndarray.index.NDIndex("..."), p.weight().add(delta));
      }
      detach(p);
    }
  }

  /** Removes and frees every adapter. */
  public void detachAdapters() {
    projections.values().forEach(LlamaModel::detach);
  }

  private static void detach(Projection p) {
    LowRankAdapter old = p.adapter();
    if (old != null) {
      old.a().close();
      old.b().close();
      p.attach(null);
    }
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
    if (perturbation != null) {
      checkLayer(perturbation.layer());
    }
    NDArray h = embed(in);
    return head(forward(h, context(in, h.getManager()), perturbation, null, 0, layers.length));
  }

  /** F_{1..l}(x): the output hidden states of decoder layer l (1-based), [B, T, D]. */
  public NDArray hiddenThrough(Inputs in, int layer) {
    return hiddenThrough(in, layer, null);
  }

  /**
   * F_{1..l}(x) for T tokens that continue {@code past} (null: none), whose keys and values every layer's
   * queries attend to as well; the inputs' mask and positions span past + T. [B, T] ids → [B, T, D].
   */
  public NDArray hiddenThrough(Inputs in, int layer, PastKeyValues past) {
    checkLayer(layer);
    NDArray h = embed(in);
    return forward(h, context(in, h.getManager()), null, past, 0, layer);
  }

  /**
   * F_{l+1..L}(h + P·δ) then the head: [B, T, D] → [B, T, V] float32 logits. Everything it computes lands in the
   * manager of {@code hiddenAtLayer}, so a caller that runs it repeatedly scopes each run by attaching the hidden
   * states to a sub-manager for that run.
   */
  public NDArray logitsFrom(NDArray hiddenAtLayer, Inputs in, Perturbation perturbation) {
    return logitsFrom(hiddenAtLayer, in, perturbation, null);
  }

  /** {@link #logitsFrom(NDArray, Inputs, Perturbation)} for tokens that continue {@code past} (null: none). */
  public NDArray logitsFrom(NDArray hiddenAtLayer, Inputs in, Perturbation perturbation, PastKeyValues past) {
    checkLayer(perturbation.layer());
    return head(forward(hiddenAtLayer, context(in, hiddenAtLayer.getManager()), perturbation, past,
        perturbation.layer(), layers.length));
  }

  /**
   * Runs layers 1..L over x without a head, handing every layer's keys and values to {@code past} (which keeps
   * them), and returns F_{1..l}(x) [B, T, D]: what a prompt's prefix contributes to every later pass over its
   * continuations. For use with autograd off.
   */
  NDArray prefill(Inputs in, PastKeyValues past, int layer) {
    checkLayer(layer);
    NDArray h = embed(in);
    DecoderLayer.Context ctx = context(in, h.getManager());
    NDArray atLayer = forward(h, ctx, null, past, 0, layer);
    if (layer < layers.length) {
      forward(atLayer, ctx, null, past, layer, layers.length).close();
    }
    return atLayer;
  }

  /**
   * One decoding pass that reads and extends the cache; returns the last position's logits [B, V]. A
   * perturbation, if given, is injected at its layer (used for the prompt pass only).
   */
  NDArray decode(Inputs in, KvCache cache, Perturbation perturbation) {
    if (perturbation != null) {
      checkLayer(perturbation.layer());
    }
    NDArray h = embed(in);
    h = forward(h, context(in, h.getManager()), perturbation, cache, 0, layers.length);
    cache.advance(in.length());
    return head(h.get(":, -1:, :")).squeeze(1);
  }

  static NDArray replace(NDArray old, NDArray replacement) {
    replacement.attach(old.getManager());
    old.close();
    return replacement;
  }

  NDArray embed(Inputs in) {
    return Embedding.embedding(in.ids(), weights.get("model.embed_tokens.weight"), SparseFormat.DENSE)
        .singletonOrThrow();
  }

  DecoderLayer.Context context(Inputs in, NDManager manager) {
    NDList rope = rotary.tables(in.positions(), dtype, manager);
    return new DecoderLayer.Context(in, rope.get(0), rope.get(1), rotary, scalars);
  }

  /**
   * Layers [from, to) on h (0-based), δ added to the input of layer index δ.layer() (the output of 1-based layer
   * l), or before the head when l = L. Each layer runs in a scope of its own that is closed once its output is
   * kept, and each intermediate layer output is closed once the next layer has run: autograd holds on to what it
   * saved for the backward pass, so nothing else of a pass outlives it (without this, every temporary of every
   * layer stayed allocated until the caller's manager closed: 2.4 GB for a 4M-parameter model at batch 16 × 64).
   */
  private NDArray forward(NDArray h, DecoderLayer.Context ctx, Perturbation p, PastKeyValues past, int from,
      int to) {
    NDArray input = h;
    for (int i = from; i <= to; i++) {
      if (p != null && i == p.layer()) {
        NDArray perturbed = p.addTo(h, ctx.inputs().promptEnd());
        if (h != input) {
          h.close();
        }
        h = perturbed;
      }
      if (i == to) {
        break;
      }
      NDArray out = layer(i, h, ctx, past);
      if (h != input) {
        h.close();
      }
      h = out;
    }
    return h;
  }

  /** Decoder layer {@code i} on h, its temporaries released before it returns; the output joins h's manager. */
  NDArray layer(int i, NDArray h, DecoderLayer.Context ctx, PastKeyValues past) {
    NDManager home = h.getManager();
    try (NDManager scope = home.newSubManager()) {
      scope.tempAttachAll(h);
      NDArray out = layers[i].forward(h, ctx, past);
      out.attach(home);
      return out;
    }
  }

  NDArray head(NDArray h) {
    NDArray normed = Ops.rmsNorm(h, weights.get("model.norm.weight"), scalars.of(config.rmsNormEps()));
    NDArray lmHead = config.tieWordEmbeddings()
        ? weights.get("model.embed_tokens.weight")
        : weights.get("lm_head.weight");
    return Ops.atLeastFloat32(Ops.linear(normed, lmHead, null));
  }

  void checkLayer(int layer) {
    if (layer < 1 || layer > config.numLayers()) {
      throw new IllegalArgumentException(
          "layer " + layer + " is outside 1.." + config.numLayers() + " for this model");
    }
  }

  /** Decoder layer {@code i} (0-based). */
  DecoderLayer decoderLayer(int i) {
    return layers[i];
  }

  public long parameterCount() {
    return weights.values().stream().mapToLong(w -> w.getShape().size()).sum();
  }

  @Override
  public void close() {
    manager.close();
  }
}
