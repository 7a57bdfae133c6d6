package org.beear.organism.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;

/**
 * Trains a byte-level BPE tokenizer (GPT-2 style, as used by Llama-3 and Qwen2) from a text corpus.
 *
 * <p>Vocabulary layout: the special tokens first (ids 0..k-1, in the order given), then the 256 byte
 * symbols in byte order, then one token per merge. Training is deterministic: the corpus is reduced to
 * counted word types, and among pairs of equal count the one with the smaller (left id, right id) wins.
 * Pair counts are updated incrementally, touching only the word types that contain the merged pair, so a
 * few MB of text train in seconds.
 *
 * <p>Pairs seen fewer than {@link #MIN_PAIR_COUNT} times are never merged, so a small corpus can give a
 * vocabulary smaller than asked for; {@link TrainedTokenizer#vocabSize()} tells the real size.
 */
public final class BpeTrainer {

  /** Merging a pair that occurs once only memorises the corpus; it never helps to generalise. */
  public static final long MIN_PAIR_COUNT = 2;

  private final int specialCount;
  private final List<String> tokens = new ArrayList<>();
  private final Map<String, Integer> idOfToken = new HashMap<>();
  private final List<TrainedTokenizer.Merge> merges = new ArrayList<>();

  private int[][] words;
  private long[] wordCounts;
  private final Map<Long, Long> pairCounts = new HashMap<>();
  private final Map<Long, Set<Integer>> wordsWithPair = new HashMap<>();
  private final PriorityQueue<PairScore> queue =
      new PriorityQueue<>((x, y) -> x.count != y.count ? Long.compare(y.count, x.count) : Long.compare(x.pair, y.pair));

  private record PairScore(long count, long pair) {}

  private BpeTrainer(List<String> specialTokens) {
    this.specialCount = specialTokens.size();
    for (String special : specialTokens) {
      if (idOfToken.putIfAbsent(special, tokens.size()) != null) {
        throw new IllegalArgumentException("duplicate special token " + special);
      }
      tokens.add(special);
    }
    for (int b = 0; b < 256; b++) {
      String symbol = String.valueOf(ByteLevelAlphabet.charOf(b));
      idOfToken.put(symbol, tokens.size());
      tokens.add(symbol);
    }
  }

  /**
   * Trains a tokenizer.
   *
   * @param corpus documents; occurrences of the special tokens in them are cut out, never learned from
   * @param vocabSize the wanted vocabulary size including special tokens and the 256 byte symbols
   * @param specialTokens special tokens, which get ids 0..k-1 in this order
   */
  public static TrainedTokenizer train(List<String> corpus, int vocabSize, List<String> specialTokens) {
    if (vocabSize < specialTokens.size() + 256) {
      throw new IllegalArgumentException(
          "vocabSize " + vocabSize + " is below the " + (specialTokens.size() + 256) + " special and byte tokens");
    }
    BpeTrainer trainer = new BpeTrainer(specialTokens);
    trainer.loadWords(corpus, specialTokens);
    trainer.countPairs();
    trainer.mergeUntil(vocabSize);
    return new TrainedTokenizer(trainer.tokens, trainer.merges, specialTokens);
  }

  private void loadWords(List<String> corpus, List<String> specialTokens) {
    Gpt2PreTokenizer splitter = new Gpt2PreTokenizer(specialTokens);
    Map<String, Long> counts = new HashMap<>();
    for (String document : corpus) {
      for (Gpt2PreTokenizer.Segment segment : splitter.segments(document)) {
        if (!segment.special()) {
          Gpt2PreTokenizer.words(segment.text(), w -> counts.merge(w, 1L, Long::sum));
        }
      }
    }
    // sorted word types make every later step independent of hash iteration order
    TreeMap<String, Long> sorted = new TreeMap<>(counts);
    words = new int[sorted.size()][];
    wordCounts = new long[sorted.size()];
    int i = 0;
    for (Map.Entry<String, Long> e : sorted.entrySet()) {
      byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
      int[] symbols = new int[bytes.length];
      for (int k = 0; k < bytes.length; k++) {
        symbols[k] = specialCount + (bytes[k] & 0xFF);
      }
      words[i] = symbols;
      wordCounts[i] = e.getValue();
      i++;
    }
  }

  private void countPairs() {
    for (int w = 0; w < words.length; w++) {
      int[] symbols = words[w];
      for (int k = 0; k + 1 < symbols.length; k++) {
        long pair = pairKey(symbols[k], symbols[k + 1]);
        pairCounts.merge(pair, wordCounts[w], Long::sum);
        wordsWithPair.computeIfAbsent(pair, p -> new HashSet<>()).add(w);
      }
    }
    pairCounts.forEach((pair, count) -> queue.add(new PairScore(count, pair)));
  }

  private void mergeUntil(int vocabSize) {
    while (tokens.size() < vocabSize && !queue.isEmpty()) {
      PairScore top = queue.poll();
      long current = pairCounts.getOrDefault(top.pair, 0L);
      if (current != top.count) {
        // stale entry: counts of old pairs only ever fall, so re-queue with the true count
        if (current > 0) {
          queue.add(new PairScore(current, top.pair));
        }
        continue;
      }
      if (current < MIN_PAIR_COUNT) {
        break;
      }
      merge(top.pair);
    }
  }

  private void merge(long pair) {
    int left = (int) (pair >>> 32);
    int right = (int) pair;
    String merged = tokens.get(left) + tokens.get(right);
    Integer existing = idOfToken.get(merged);
    int newId = existing != null ? existing : tokens.size();
    if (existing == null) {
      idOfToken.put(merged, newId);
      tokens.add(merged);
    }
    merges.add(new TrainedTokenizer.Merge(tokens.get(left), tokens.get(right)));

    Map<Long, Long> delta = new HashMap<>();
    Set<Integer> affected = wordsWithPair.remove(pair);
    for (int w : affected) {
      int[] before = words[w];
      int[] after = replacePair(before, left, right, newId);
      if (after == before) {
        continue;
      }
      long count = wordCounts[w];
      for (int k = 0; k + 1 < before.length; k++) {
        delta.merge(pairKey(before[k], before[k + 1]), -count, Long::sum);
      }
      for (int k = 0; k + 1 < after.length; k++) {
        long p = pairKey(after[k], after[k + 1]);
        delta.merge(p, count, Long::sum);
        if (after[k] == newId || after[k + 1] == newId) {
          wordsWithPair.computeIfAbsent(p, x -> new HashSet<>()).add(w);
        }
      }
      words[w] = after;
    }
    pairCounts.remove(pair);
    delta.remove(pair);
    for (Map.Entry<Long, Long> e : delta.entrySet()) {
      long p = e.getKey();
      long change = e.getValue();
      if (change == 0) {
        continue;
      }
      long updated = pairCounts.getOrDefault(p, 0L) + change;
      if (updated <= 0) {
        pairCounts.remove(p);
        wordsWithPair.remove(p);
      } else {
        pairCounts.put(p, updated);
        if (change > 0) {
          queue.add(new PairScore(updated, p));
        }
      }
    }
  }

  /** Replaces every non-overlapping (left, right) from the left; returns the input if none occurs. */
  private static int[] replacePair(int[] symbols, int left, int right, int newId) {
    int[] out = null;
    int n = 0;
    for (int k = 0; k < symbols.length; k++) {
      if (k + 1 < symbols.length && symbols[k] == left && symbols[k + 1] == right) {
        if (out == null) {
          out = new int[symbols.length - 1];
          System.arraycopy(symbols, 0, out, 0, k);
          n = k;
        }
        out[n++] = newId;
        k++;
      } else if (out != null) {
        out[n++] = symbols[k];
      }
    }
    return out == null ? symbols : java.util.Arrays.copyOf(out, n);
  }

  static long pairKey(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }
}
