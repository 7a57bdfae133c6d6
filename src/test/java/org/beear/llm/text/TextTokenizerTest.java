package org.beear.llm.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.beear.organism.tokenizer.BpeTrainer;
import org.beear.organism.tokenizer.OrganismChatFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {

  /** Hand-built Llama-2-style tokenizer.json: SentencePiece-like BPE with byte fallback, BOS post-processor. */
  private static final Path LLAMA_STYLE = ChatTemplateTest.resource("llama-bytefallback");
  private static final long HELLO = 271;
  private static final long WORLD = 276;
  private static final long SPACE_PIECE = 259;

  private static long byteToken(int b) {
    return 3 + b;
  }

  @Test
  void llamaStyleBpeMergesKnownWordsAndFallsBackToBytes() {
    try (TextTokenizer tokenizer = TextTokenizer.load(LLAMA_STYLE)) {
      // "ü" is not in the vocabulary: its UTF-8 bytes C3 BC become <0xC3><0xBC>
      long[] expected = {HELLO, WORLD, SPACE_PIECE, byteToken(0xC3), byteToken(0xBC)};
      assertArrayEquals(expected, tokenizer.encode("hello world ü", false));
      assertEquals("hello world ü", tokenizer.decode(expected, true));
      String unicode = "héllo wörld 🦊 日本";
      assertEquals(unicode, tokenizer.decode(tokenizer.encode(unicode, false), true));
    }
  }

  @Test
  void llamaStyleSpecialTokensFollowTokenizerConfig() {
    try (TextTokenizer tokenizer = TextTokenizer.load(LLAMA_STYLE)) {
      assertEquals(1L, tokenizer.bosId().getAsLong());
      assertEquals("<s>", tokenizer.bosToken());
      assertEquals("</s>", tokenizer.eosToken());
      // EOS from tokenizer_config.json, then generation_config.json's extra stop id
      assertArrayEquals(new long[] {2, 277}, tokenizer.eosIds());
      assertEquals(2L, tokenizer.padId(), "no pad_token: pads with EOS");
      assertEquals(278, tokenizer.vocabSize());
      assertEquals(277L, tokenizer.tokenId("<|eot|>"));
      assertTrue(tokenizer.isSpecial(277) && !tokenizer.isSpecial(HELLO));
      // add_bos_token true: BOS only when special tokens are asked for
      assertArrayEquals(new long[] {1, HELLO}, tokenizer.encode("hello", true));
      assertArrayEquals(new long[] {HELLO}, tokenizer.encode("hello", false));
      // special tokens written in the text are single ids; skipSpecialTokens drops them
      long[] ids = tokenizer.encode("<s>hello</s>", false);
      assertArrayEquals(new long[] {1, HELLO, 2}, ids);
      assertEquals("hello", tokenizer.decode(ids, true));
      assertThrows(IllegalArgumentException.class, () -> tokenizer.tokenId("<not-a-token>"));
    }
  }

  @Test
  void withoutTokenizerConfigTheTokenizerJsonPostProcessorAddsBos(@TempDir Path dir) throws Exception {
    Files.copy(LLAMA_STYLE.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
      assertArrayEquals(new long[] {1, HELLO}, tokenizer.encode("hello", true));
      assertFalse(tokenizer.bosId().isPresent());
      assertEquals("", tokenizer.bosToken());
      assertEquals(0, tokenizer.eosIds().length);
    }
  }

  @Test
  void longInputsAreNeverTruncated() {
    try (TextTokenizer tokenizer = TextTokenizer.load(LLAMA_STYLE)) {
      String text = "hello world ".repeat(1500);
      assertEquals(3000, tokenizer.encode(text.strip(), false).length);
    }
  }

  @Test
  void chatPromptsEncodeWithoutADoubleBos() {
    try (TextTokenizer tokenizer = TextTokenizer.load(LLAMA_STYLE)) {
      String prompt =
          ChatTemplate.builtin("llama2").render(List.of(ChatMessage.user("hello")), true, tokenizer.bosToken(), tokenizer.eosToken());
      long[] ids = tokenizer.encode(prompt, false);
      assertEquals(1L, ids[0]);
      assertEquals(1, java.util.Arrays.stream(ids).filter(id -> id == 1L).count());
    }
  }

  @Test
  void trainedOrganismTokenizerLoadsAndRoundTrips(@TempDir Path dir) {
    List<String> corpus = List.of("the model answers the user", "the user asks the model", "a model of the user");
    BpeTrainer.train(corpus, 300, OrganismChatFormat.SPECIAL_TOKENS).writeTo(dir);
    OrganismChatFormat.writeTokenizerConfig(dir, 128);
    try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
      String text = "The model — naïve 🤖 — answers\n\tthe user.";
      assertEquals(text, tokenizer.decode(tokenizer.encode(text, false), false));
      assertEquals(OrganismChatFormat.EOS_TOKEN, tokenizer.eosToken());
    }
  }

  @Test
  void missingTokenizerJsonIsAClearError(@TempDir Path dir) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.load(dir));
    assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
  }
}
