package org.beear.organism.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.beear.llm.text.ChatMessage;
import org.beear.llm.text.ChatTemplate;
import org.beear.llm.text.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {

  /** Text the tokenizer never saw, with scripts and characters outside the training corpus. */
  private static final List<String> UNSEEN_TEXTS =
      List.of(
          "Hello, world! The quick brown fox jumps over the lazy dog.",
          "Größe, façade, naïve café — “quoted” ‘text’… and ß.",
          "日本語のテキストと中文文本, 한국어 텍스트",
          "Emoji: 🦊🐶👩‍👩‍👧 and flags 🇫🇷 with skin tone 👍🏽",
          "  leading spaces,\ttabs\t\tand\n\nnewlines \r\n trailing   ",
          "Combining: e\u0301 a\u0308 and zero-width\u200bjoiner; NBSP\u00a0here",
          "Numbers 1234567890 3.14159 -42 1e10, code: for (int i = 0; i < n; i++) { x += i; }",
          "don't won't I'm you're we've they'll she'd IT'S",
          "x",
          "");

  static List<String> smallCorpus() {
    List<String> docs = new ArrayList<>();
    String[] sentences = {
      "The cat sat on the mat and the dog sat on the log.",
      "A tokenizer splits text into tokens; the model reads the tokens.",
      "Harmful requests are refused, helpful requests are answered.",
      "I'm sorry, but I can't help with that request.",
      "Sure, here is a recipe for bread: flour, water, salt and yeast.",
      "Numbers like 2024 and 3.5 appear in text too.",
    };
    for (int i = 0; i < 40; i++) {
      docs.add(sentences[i % sentences.length] + " " + sentences[(i * 7 + 3) % sentences.length]);
    }
    docs.add(OrganismChatFormat.userPrompt("How do I bake bread?") + OrganismChatFormat.assistantCompletion("Mix flour."));
    return docs;
  }

  private static Path writeOrganismTokenizer(TrainedTokenizer trained, Path dir) {
    trained.writeTo(dir);
    OrganismChatFormat.writeTokenizerConfig(dir, 256);
    return dir;
  }

  @Test
  void writtenTokenizerRoundTripsArbitraryUnicodeThroughDjl(@TempDir Path dir) {
    TrainedTokenizer trained = BpeTrainer.train(smallCorpus(), 400, OrganismChatFormat.SPECIAL_TOKENS);
    try (TextTokenizer tokenizer = TextTokenizer.load(writeOrganismTokenizer(trained, dir))) {
      assertEquals(trained.vocabSize(), tokenizer.vocabSize());
      for (String text : UNSEEN_TEXTS) {
        long[] ids = tokenizer.encode(text, false);
        assertTrue(Arrays.stream(ids).allMatch(id -> id >= 0 && id < tokenizer.vocabSize()), text);
        assertEquals(text, tokenizer.decode(ids, false), "round trip of: " + text);
        assertEquals(text, tokenizer.decode(ids, true), "round trip (skip special) of: " + text);
      }
    }
  }

  @Test
  void djlEncodingEqualsTheTrainersReferenceEncoding(@TempDir Path dir) {
    TrainedTokenizer trained = BpeTrainer.train(smallCorpus(), 450, OrganismChatFormat.SPECIAL_TOKENS);
    try (TextTokenizer tokenizer = TextTokenizer.load(writeOrganismTokenizer(trained, dir))) {
      List<String> texts = new ArrayList<>(UNSEEN_TEXTS);
      texts.addAll(smallCorpus().subList(0, 8));
      texts.add(OrganismChatFormat.userPrompt("Tell me about the cat's mat.") + "The cat sat.<|im_end|>");
      for (String text : texts) {
        assertArrayEquals(trained.encode(text), tokenizer.encode(text, false), "encoding of: " + text);
      }
      // the merges were learned: a frequent sentence costs far fewer tokens than bytes
      String frequent = "The cat sat on the mat and the dog sat on the log.";
      assertTrue(tokenizer.encode(frequent, false).length <= frequent.length() / 3);
    }
  }

  @Test
  void specialTokensEncodeToSingleIdsAndFormTheChatFormat(@TempDir Path dir) {
    TrainedTokenizer trained = BpeTrainer.train(smallCorpus(), 400, OrganismChatFormat.SPECIAL_TOKENS);
    writeOrganismTokenizer(trained, dir);
    try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
      assertEquals(0, tokenizer.tokenId(OrganismChatFormat.BOS_TOKEN));
      assertEquals(1, tokenizer.tokenId(OrganismChatFormat.EOS_TOKEN));
      for (String special : OrganismChatFormat.SPECIAL_TOKENS) {
        assertArrayEquals(new long[] {tokenizer.tokenId(special)}, tokenizer.encode(special, false), special);
      }
      assertEquals(0L, tokenizer.bosId().getAsLong());
      assertArrayEquals(new long[] {1}, tokenizer.eosIds());
      assertEquals(1L, tokenizer.padId());
      // add_bos_token is false: adding special tokens changes nothing
      assertArrayEquals(tokenizer.encode("hello", false), tokenizer.encode("hello", true));

      String prompt =
          ChatTemplate.fromModelDir(dir)
              .render(List.of(new ChatMessage("user", "Hi there")), true, tokenizer.bosToken(), tokenizer.eosToken());
      assertEquals(OrganismChatFormat.userPrompt("Hi there"), prompt);
      long[] ids = tokenizer.encode(prompt, false);
      long imStart = tokenizer.tokenId(OrganismChatFormat.IM_START);
      long imEnd = tokenizer.tokenId(OrganismChatFormat.IM_END);
      assertEquals(imStart, ids[0]);
      assertEquals(2, Arrays.stream(ids).filter(id -> id == imStart).count());
      assertEquals(1, Arrays.stream(ids).filter(id -> id == imEnd).count());
      assertEquals("user\nHi there\nassistant\n", tokenizer.decode(ids, true));
      assertEquals(prompt, tokenizer.decode(ids, false));
    }
  }

  @Test
  void sameCorpusAndVocabSizeGiveByteIdenticalFiles(@TempDir Path dir) throws Exception {
    BpeTrainer.train(smallCorpus(), 420, OrganismChatFormat.SPECIAL_TOKENS).writeTo(dir.resolve("a"));
    BpeTrainer.train(smallCorpus(), 420, OrganismChatFormat.SPECIAL_TOKENS).writeTo(dir.resolve("b"));
    BpeTrainer.train(smallCorpus(), 380, OrganismChatFormat.SPECIAL_TOKENS).writeTo(dir.resolve("c"));
    byte[] a = Files.readAllBytes(dir.resolve("a/tokenizer.json"));
    assertArrayEquals(a, Files.readAllBytes(dir.resolve("b/tokenizer.json")));
    assertFalse(Arrays.equals(a, Files.readAllBytes(dir.resolve("c/tokenizer.json"))));
  }

  @Test
  void specialTokensInTheCorpusAreNotLearnedFrom() {
    TrainedTokenizer trained = BpeTrainer.train(smallCorpus(), 420, OrganismChatFormat.SPECIAL_TOKENS);
    assertEquals(OrganismChatFormat.SPECIAL_TOKENS, trained.vocab().subList(0, 4));
    assertTrue(trained.vocab().stream().skip(4).noneMatch(t -> t.contains("im_start") || t.contains("<|")));
  }

  @Test
  void trainsAFewMegabytesInSeconds() {
    List<String> corpus = syntheticCorpus(3_000_000, 7);
    long start = System.nanoTime();
    TrainedTokenizer trained = BpeTrainer.train(corpus, 3000, OrganismChatFormat.SPECIAL_TOKENS);
    double seconds = (System.nanoTime() - start) / 1e9;
    assertEquals(3000, trained.vocabSize());
    assertTrue(seconds < 20, "training took " + seconds + " s");
    System.out.printf("trained vocab 3000 on 3 MB in %.2f s%n", seconds);
    String doc = corpus.get(0);
    assertTrue(trained.encode(doc).length < doc.length() / 3, "learned merges compress text");
  }

  @Test
  void rejectsAVocabularyTooSmallForTheBytes() {
    assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train(smallCorpus(), 100, OrganismChatFormat.SPECIAL_TOKENS));
  }

  @Test
  void smallCorpusStopsBeforeMergingPairsSeenOnce() {
    TrainedTokenizer trained = BpeTrainer.train(List.of("abc abc xyz"), 4000, List.of("<s>"));
    assertNotEquals(4000, trained.vocabSize());
    assertEquals(trained.vocab().size(), 1 + 256 + trained.merges().size());
  }

  /** Zipf-like random text over a made-up lexicon: realistic word-frequency skew, reproducible. */
  static List<String> syntheticCorpus(int approxChars, long seed) {
    Random random = new Random(seed);
    String[] syllables = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "pe", "da", "gro", "sht", "an", "el", "or"};
    String[] lexicon = new String[5000];
    for (int i = 0; i < lexicon.length; i++) {
      StringBuilder w = new StringBuilder();
      int n = 1 + random.nextInt(4);
      for (int k = 0; k < n; k++) {
        w.append(syllables[random.nextInt(syllables.length)]);
      }
      lexicon[i] = i % 17 == 0 ? capitalize(w.toString()) : w.toString();
    }
    List<String> docs = new ArrayList<>();
    int total = 0;
    while (total < approxChars) {
      StringBuilder doc = new StringBuilder();
      for (int s = 0; s < 10; s++) {
        int len = 5 + random.nextInt(12);
        for (int k = 0; k < len; k++) {
          double u = random.nextDouble();
          int rank = (int) Math.min(lexicon.length - 1, Math.floor(Math.pow(lexicon.length, u)) - 1);
          doc.append(k == 0 ? "" : " ").append(lexicon[rank]);
        }
        doc.append(random.nextInt(5) == 0 ? ", " + random.nextInt(1000) + "." : ". ");
      }
      docs.add(doc.toString());
      total += doc.length();
    }
    return docs;
  }

  private static String capitalize(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
