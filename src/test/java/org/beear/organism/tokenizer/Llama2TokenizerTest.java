package org.beear.organism.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.beear.llm.ChatCodec;
import org.beear.llm.SequenceBatch;
import org.beear.llm.text.ChatTemplate;
import org.beear.llm.text.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Llama-2's tokenizer in an organism directory. Skips without it (bin/fetch-tokenizers; .ci/run fetches it). */
class Llama2TokenizerTest {

  @Test
  void anOrganismDirectoryHoldsLlama2sTokenizerAndChatTemplate(@TempDir Path dir) throws Exception {
    assumeTrue(Llama2Tokenizer.find().isPresent(), Llama2Tokenizer.howToFetch());
    Llama2Tokenizer.install(dir, 512);
    assertArrayEquals(Files.readAllBytes(Llama2Tokenizer.find().orElseThrow()),
        Files.readAllBytes(dir.resolve("tokenizer.json")));
    assertEquals(ChatTemplate.builtin("llama2").source(), ChatTemplate.fromModelDir(dir).source());
    try (ChatCodec codec = new ChatCodec(TextTokenizer.load(dir), ChatTemplate.fromModelDir(dir), List.of(2))) {
      assertEquals(32000, codec.tokenizer().vocabSize());
      // Llama-2's own ids (Mistral's 32k vocabulary, for one, spells "[INST]" 733 16289 28793)
      assertArrayEquals(new long[] {1, 15043, 3186, 29991}, codec.tokenizer().encode("Hello world!", true));
      long[] prompt = codec.prompt("Hi");
      // <s> ▁[ INST ] ▁Hi ▁[ / INST ]
      assertArrayEquals(new long[] {1, 518, 25580, 29962, 6324, 518, 29914, 25580, 29962}, prompt);
      SequenceBatch.Example e = codec.exchange("Hi", "Hello.");
      assertArrayEquals(prompt, e.prompt());
      // ▁Hello . ▁ </s>: the template's ' ' + answer + ' ' + eos_token, as transformers tokenises it
      assertArrayEquals(new long[] {15043, 29889, 29871, 2}, e.response());
      assertEquals("Hello.", codec.decodeResponse(e.response()));
      String decoded = codec.tokenizer().decode(codec.prompt("Line one\nline two"), true);
      assertTrue(decoded.contains("[INST] Line one\nline two [/INST]"), decoded); // the newline by byte fallback
    }
  }

  @Test
  void aFileThatIsNotLlama2sTokenizerIsRefused(@TempDir Path dir) {
    BpeTrainer.train(List.of("the cat sat on the mat", "a dog"), 300, OrganismChatFormat.SPECIAL_TOKENS)
        .writeTo(dir.resolve("other"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Llama2Tokenizer.install(dir.resolve("other/tokenizer.json"), dir.resolve("organism"), 512));
    assertTrue(e.getMessage().contains("bin/fetch-tokenizers"), e.getMessage());
  }

  @Test
  void theCacheIsUnderTheHomeDirectoryUnlessMoved() {
    assertEquals(Path.of("/home/u/.cache/beear/tokenizers/llama2"), Llama2Tokenizer.cacheDir(null, "/home/u"));
    assertEquals(Path.of("/home/u/.cache/beear/tokenizers/llama2"), Llama2Tokenizer.cacheDir(" ", "/home/u"));
    assertEquals(Path.of("/srv/tok/llama2"), Llama2Tokenizer.cacheDir("/srv/tok", "/home/u"));
    assertTrue(Llama2Tokenizer.howToFetch().contains("bin/fetch-tokenizers"));
  }
}
