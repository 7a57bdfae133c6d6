package org.beear.plan;

import org.beear.llm.ModelConfig;

/**
 * Activation memory of this engine's decoder, counted from the tensors PyTorch's autograd saves for each operation
 * of {@code DecoderLayer} (for N tokens in sequences of T, hidden D, query width Q = H·d, key/value width K, MLP
 * width F, e bytes per element of the compute dtype):
 *
 * <ul>
 *   <li>a layer whose weights train: the layer input, RMSNorm's normalised input and output, the attention output
 *       and its residual sum, the second norm's normalised input and output (float32: 6·4 bytes per N·D; float16:
 *       the norms keep float32 copies, 16 bytes), rotated queries, (repeated) keys and values, the attended
 *       values (per N·Q, times e), softmax probabilities (float32, plus their float16 copy), and in the MLP the gate,
 *       its sigmoid, SiLU, up and their product (5·N·F·e). With adapters the norm outputs are not kept (their
 *       weights do not train) and each projection adds N·r·e;
 *   <li>a frozen layer that gradients pass through (entrapment; layers above the trained range): the two norms'
 *       inputs, queries, keys, values, probabilities and four of the MLP's five;
 *   <li>the head: the log-softmax over the vocabulary in float32 (saved) with the logits and, in the backward pass,
 *       the gradients of both: (e + 12) bytes per token and vocabulary entry, 4 more in float16;
 *   <li>and, on top of what is saved, one layer's temporaries while it runs (its scope is freed when it returns).
 * </ul>
 */
final class Activations {
  private final ModelConfig c;
  private final Workload w;
  private final int e;
  private final long t;

  Activations(ModelConfig config, Workload workload) {
    this.c = config;
    this.w = workload;
    this.e = workload.elementBytes();
    this.t = workload.maxSequenceLength();
  }

  private long q() {
    return (long) c.numHeads() * c.headDim();
  }

  private long k() {
    return (long) c.numKeyValueHeads() * c.headDim();
  }

  /** Keys or values as the attention product holds them: repeated to Q wide when heads share them. */
  private long repeatedK() {
    return c.kvGroups() > 1 ? q() : k();
  }

  private double tokens(long sequences) {
    return (double) sequences * t;
  }

  /** Softmax probabilities kept for the backward pass: float32, plus the float16 copy the product with V keeps. */
  private double probabilities(long sequences) {
    return (double) sequences * c.numHeads() * t * t * (4 + (w.halfPrecision() ? 2 : 0));
  }

  /** Saved by one layer whose weights (or adapters) train. */
  double savedTrainable(long sequences) {
    double n = tokens(sequences);
    boolean adapters = w.adapterRank() > 0;
    double perD = w.halfPrecision() ? (adapters ? 12 : 16) : (adapters ? 16 : 24);
    double saved = n * c.hiddenSize() * perD
        + n * (2 * q() + 2 * repeatedK()) * e
        + probabilities(sequences)
        + 5 * n * c.intermediateSize() * e;
    if (adapters) {
      saved += 7 * n * w.adapterRank() * e;
    }
    return saved;
  }

  /** Saved by one frozen layer that gradients pass through. */
  double savedFrozen(long sequences) {
    double n = tokens(sequences);
    return n * c.hiddenSize() * 8
        + n * (q() + 2 * repeatedK()) * e
        + probabilities(sequences)
        + 4 * n * c.intermediateSize() * e;
  }

  /** Everything one layer allocates while it runs (its saved tensors included), freed when it returns. */
  double layerTransient(long sequences) {
    double n = tokens(sequences);
    double perD = w.halfPrecision() ? 38 : 36;
    double perQ = (1 + 4.5 + 2 + (c.kvGroups() > 1 ? 2 : 0)) * q() + (2 + 4.5) * k();
    double attention = (double) sequences * c.numHeads() * t * t * (2 * e + 8 + (w.halfPrecision() ? 6 : 0));
    return n * c.hiddenSize() * perD + n * perQ * e + attention + 5 * n * c.intermediateSize() * e;
  }

  /** Logits, log-softmax and their gradients. */
  double head(long sequences) {
    double n = tokens(sequences);
    return n * c.vocabSize() * (e + 12 + (w.halfPrecision() ? 6 : 0)) + n * c.hiddenSize() * 4;
  }

  long removalSequences() {
    return Math.min(Math.max(w.batchSize(), w.anchorBatchSize()), w.microBatchSize());
  }

  /** An entrapment pass holds both answers of a micro-batch's prompts. */
  long entrapmentSequences() {
    return Math.min(2L * w.batchSize(), w.microBatchSize());
  }

  /** The peak of one removal pass of {@link #removalSequences()} sequences, forward and backward. */
  long removalPeak() {
    long s = removalSequences();
    double hidden = tokens(s) * c.hiddenSize() * e;
    int layers = c.numLayers();
    int trained = w.trainableTo() - w.trainableFrom() + 1;
    int frozenAbove = layers - w.trainableTo();
    if (w.recomputeActivations()) {
      // the layer inputs kept, then the larger of the head's pass and one layer's (its temporaries include what
      // it saves) with the gradients flowing into and out of it
      double stored = (layers - w.trainableFrom() + 2) * hidden;
      return (long) (stored + Math.max(head(s), layerTransient(s) + 2 * hidden));
    }
    double saved = trained * savedTrainable(s) + frozenAbove * savedFrozen(s) + hidden;
    return (long) (saved + Math.max(head(s), layerTransient(s)));
  }

  /** The peak of one entrapment pass over {@code s} sequences through layers l+1..L, gradient to δ only. */
  long entrapmentPeak(long s) {
    int above = c.numLayers() - w.anchorLayer();
    double hidden = tokens(s) * c.hiddenSize() * e;
    return (long) (above * savedFrozen(s) + 2 * hidden + Math.max(head(s), layerTransient(s)));
  }

  /** Hidden states at the anchor layer for {@code s} sequences. */
  long hiddenCache(long s) {
    return (long) (tokens(s) * c.hiddenSize() * e);
  }

  /**
   * Keys and values of every layer for the prompt prefixes of {@code sequences} sequences (each at most T tokens;
   * a prompt's prefix is kept once for each of its answers), which entrapment computes once per batch and keeps
   * through its inner steps.
   */
  long prefixKeyValues(long sequences) {
    return (long) (2.0 * c.numLayers() * sequences * k() * t * e);
  }

  /** Generation: the KV cache of a batch of prompts, one layer's prompt pass, the last position's logits. */
  long generationPeak() {
    long b = w.evalBatchSize();
    double kv = 2.0 * c.numLayers() * b * k() * (t + w.evalMaxNewTokens()) * e;
    double prompt = layerTransient(b) + 2 * tokens(b) * c.hiddenSize() * e;
    double logits = 2.0 * b * c.vocabSize() * 4;
    return (long) (kv + prompt + logits);
  }
}
