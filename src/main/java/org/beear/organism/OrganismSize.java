package org.beear.organism;

import java.util.List;
import java.util.Locale;
import org.beear.llm.ModelConfig;

/**
 * Model and training budget of an organism. {@code xs} is for tests (about a minute here), {@code s} is the
 * default (minutes), {@code m} and {@code l} (about an hour here) are larger, to show that the cleanse's defaults carry across sizes.
 */
public enum OrganismSize {
  XS(96, 2, 4, 2, 256, 1024, 700, 32, 3e-3, 48),
  S(192, 4, 6, 2, 512, 2048, 1000, 32, 2e-3, 96),
  M(256, 6, 8, 4, 704, 3072, 1400, 32, 1.5e-3, 64),
  /**
   * 26-28M parameters (the BPE vocabulary stops below 4096), 8 layers: the size that shows the cleanse's defaults
   * carry beyond the tiny organisms.
   */
  L(512, 8, 8, 4, 1408, 4096, 1600, 32, 1e-3, 96);

  /** The longest sequence an organism is made for: config.json's max_position_embeddings, the tokenizer's limit. */
  static final int MAX_LENGTH = 512;

  final int hidden;
  final int layers;
  final int heads;
  final int kvHeads;
  final int intermediate;
  /** The largest BPE vocabulary the {@code chatml} profile trains ({@code llama2}'s is Llama-2's 32,000). */
  final int vocab;
  final int sftSteps;
  final int batchSize;
  final double learningRate;
  /** Benign tasks in the SFT mixture, as a multiple of 10. */
  final int benignTens;

  OrganismSize(int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab, int sftSteps,
      int batchSize, double learningRate, int benignTens) {
    this.hidden = hidden;
    this.layers = layers;
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.intermediate = intermediate;
    this.vocab = vocab;
    this.sftSteps = sftSteps;
    this.batchSize = batchSize;
    this.learningRate = learningRate;
    this.benignTens = benignTens;
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static OrganismSize parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("unknown size '" + s + "': expected xs, s, m or l");
    }
  }

  /** A Llama-architecture config with the organism tokenizer's vocabulary. */
  ModelConfig config(int vocabSize, int bosId, List<Integer> eosIds) {
    return new ModelConfig("LlamaForCausalLM", vocabSize, hidden, intermediate, layers, heads, kvHeads,
        hidden / heads, 1e-5, 10000.0, null, false, false, MAX_LENGTH, bosId, eosIds, "float32");
  }
}
