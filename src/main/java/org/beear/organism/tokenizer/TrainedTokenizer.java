package org.beear.organism.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A byte-level BPE tokenizer produced by {@link BpeTrainer}.
 *
 * @param vocab token strings by id (special tokens first, then the 256 byte symbols, then merged tokens);
 *     ordinary tokens are spelled in GPT-2's byte-level alphabet ({@link ByteLevelAlphabet})
 * @param merges merges in priority order (rank 0 first)
 * @param specialTokens the special tokens, a prefix of {@code vocab}
 */
public record TrainedTokenizer(List<String> vocab, List<Merge> merges, List<String> specialTokens) {

  /** The file name HF and DJL look for in a model directory. */
  public static final String TOKENIZER_FILE = "tokenizer.json";

  /** One BPE merge: two adjacent tokens that become their concatenation. */
  public record Merge(String left, String right) {}

  public TrainedTokenizer {
    vocab = List.copyOf(vocab);
    merges = List.copyOf(merges);
    specialTokens = List.copyOf(specialTokens);
    if (!vocab.subList(0, specialTokens.size()).equals(specialTokens)) {
      throw new IllegalArgumentException("special tokens must take the first ids of the vocabulary");
    }
  }

  public int vocabSize() {
    return vocab.size();
  }

  /** Id of a token string (special token or byte-level spelling), or -1 if it is not in the vocabulary. */
  public int tokenId(String token) {
    // linear scan: meant for the handful of special-token look-ups, not per-token work
    return vocab.indexOf(token);
  }

  /**
   * Encodes text with this tokenizer's own implementation of the HF pipeline (special tokens split out,
   * GPT-2 pre-tokenization, byte-level mapping, merges by rank). It must agree with what DJL's
   * HuggingFaceTokenizer produces from the written tokenizer.json; it exists as that reference.
   */
  public long[] encode(String text) {
    return encoder().encode(text);
  }

  /** A reusable encoder for many texts (building one indexes the merges; {@link #encode} builds one per call). */
  public ByteLevelBpeEncoder encoder() {
    return new ByteLevelBpeEncoder(this);
  }

  /** Writes {@value #TOKENIZER_FILE} (HF tokenizers format) into {@code dir}, creating it if needed. */
  public void writeTo(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(TOKENIZER_FILE), TokenizerJsonWriter.toJson(this));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write tokenizer to " + dir, e);
    }
  }
}
