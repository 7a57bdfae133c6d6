package org.beear.llm.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * DJL's HuggingFaceTokenizer in this JVM. The library panics on some tokenizer.json files, and on some texts for
 * some files (a pre-tokenizer regex that backtracks past Oniguruma's retry limit), and a panic aborts the process
 * it runs in: only {@link TokenizerProcess}, the child a model's tokenizer runs in, and the fuzz target, which looks
 * for such files, use it directly.
 */
final class InProcessTokenizer implements NativeTokenizer {

  private final HuggingFaceTokenizer tokenizer;

  /** @throws RuntimeException the library's own error for a tokenizer.json it cannot read */
  InProcessTokenizer(String tokenizerJson) {
    try {
      // with the options the builder would pass
      tokenizer = HuggingFaceTokenizer.newInstance(
          new ByteArrayInputStream(tokenizerJson.getBytes(StandardCharsets.UTF_8)),
          Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the tokenizer.json text", e);
    }
  }

  @Override
  public long[] encode(String text, boolean addSpecialTokens) {
    return tokenizer.encode(text, addSpecialTokens, false).getIds();
  }

  @Override
  public String decode(long[] ids, boolean skipSpecialTokens) {
    return tokenizer.decode(ids, skipSpecialTokens);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
