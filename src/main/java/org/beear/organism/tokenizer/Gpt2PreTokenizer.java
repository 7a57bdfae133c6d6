package org.beear.organism.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text the way HF's {@code ByteLevel} pre-tokenizer with {@code use_regex: true} does (the GPT-2
 * regex), after first cutting out special tokens as the HF added-vocabulary does before any
 * pre-tokenization.
 */
final class Gpt2PreTokenizer {

  /**
   * GPT-2's split pattern. UNICODE_CHARACTER_CLASS makes {@code \s} match Unicode white space, as
   * Oniguruma's {@code \s} does in the Rust tokenizers library.
   */
  private static final Pattern GPT2_SPLIT =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
          Pattern.UNICODE_CHARACTER_CLASS);

  /** A piece of input: either a special token or ordinary text. */
  record Segment(String text, boolean special) {}

  private final List<String> specialTokensLongestFirst;

  Gpt2PreTokenizer(List<String> specialTokens) {
    List<String> sorted = new ArrayList<>(specialTokens);
    // at one position the longest special token wins, like HF's leftmost-longest matching
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    this.specialTokensLongestFirst = List.copyOf(sorted);
  }

  /** Cuts text into special tokens and the ordinary text between them, in order. */
  List<Segment> segments(String text) {
    List<Segment> out = new ArrayList<>();
    int start = 0;
    int pos = 0;
    while (pos < text.length()) {
      String match = specialAt(text, pos);
      if (match == null) {
        pos++;
        continue;
      }
      if (pos > start) {
        out.add(new Segment(text.substring(start, pos), false));
      }
      out.add(new Segment(match, true));
      pos += match.length();
      start = pos;
    }
    if (start < text.length()) {
      out.add(new Segment(text.substring(start), false));
    }
    return out;
  }

  private String specialAt(String text, int pos) {
    for (String token : specialTokensLongestFirst) {
      if (!token.isEmpty() && text.startsWith(token, pos)) {
        return token;
      }
    }
    return null;
  }

  /** Feeds every pre-token ("word") of ordinary text (no special tokens inside) to the consumer. */
  static void words(String ordinaryText, Consumer<String> consumer) {
    Matcher m = GPT2_SPLIT.matcher(ordinaryText);
    while (m.find()) {
      consumer.accept(m.group());
    }
  }
}
