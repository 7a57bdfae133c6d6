package org.beear.organism.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A plain Java encoder for a {@link TrainedTokenizer}: the reference that DJL's native tokenizer is
 * checked against. Within a word it repeatedly merges the adjacent pair of lowest merge rank (leftmost
 * first), which is what HF's BPE model does. Reusable (it caches word encodings); not thread-safe.
 */
public final class ByteLevelBpeEncoder {

  private record MergeTarget(int rank, int id) {}

  private final Gpt2PreTokenizer splitter;
  private final Map<String, Integer> ids = new HashMap<>();
  private final Map<Long, MergeTarget> mergeByPair = new HashMap<>();
  private final Map<String, int[]> wordCache = new HashMap<>();

  ByteLevelBpeEncoder(TrainedTokenizer tokenizer) {
    this.splitter = new Gpt2PreTokenizer(tokenizer.specialTokens());
    List<String> vocab = tokenizer.vocab();
    // a token string spelled twice keeps its first id, as HF's vocab map does
    for (int i = vocab.size() - 1; i >= 0; i--) {
      ids.put(vocab.get(i), i);
    }
    List<TrainedTokenizer.Merge> merges = tokenizer.merges();
    for (int rank = 0; rank < merges.size(); rank++) {
      TrainedTokenizer.Merge m = merges.get(rank);
      int left = ids.get(m.left());
      int right = ids.get(m.right());
      mergeByPair.putIfAbsent(
          BpeTrainer.pairKey(left, right), new MergeTarget(rank, ids.get(m.left() + m.right())));
    }
  }

  /** Token ids of text; special tokens written in the text become their single ids. */
  public long[] encode(String text) {
    List<Integer> out = new ArrayList<>();
    for (Gpt2PreTokenizer.Segment segment : splitter.segments(text)) {
      if (segment.special()) {
        out.add(ids.get(segment.text()));
      } else {
        Gpt2PreTokenizer.words(segment.text(), word -> {
          for (int id : wordCache.computeIfAbsent(word, this::encodeWord)) {
            out.add(id);
          }
        });
      }
    }
    return out.stream().mapToLong(Integer::longValue).toArray();
  }

  private int[] encodeWord(String word) {
    byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
    List<Integer> symbols = new ArrayList<>(bytes.length);
    for (byte b : bytes) {
      symbols.add(ids.get(String.valueOf(ByteLevelAlphabet.charOf(b & 0xFF))));
    }
    while (symbols.size() > 1) {
      int bestPos = -1;
      MergeTarget best = null;
      for (int k = 0; k + 1 < symbols.size(); k++) {
        MergeTarget t = mergeByPair.get(BpeTrainer.pairKey(symbols.get(k), symbols.get(k + 1)));
        if (t != null && (best == null || t.rank() < best.rank())) {
          best = t;
          bestPos = k;
        }
      }
      if (best == null) {
        break;
      }
      symbols.set(bestPos, best.id());
      symbols.remove(bestPos + 1);
    }
    return symbols.stream().mapToInt(Integer::intValue).toArray();
  }
}
