package org.beear.llm.text;

/**
 * What {@link TextTokenizer} asks of the native tokenizers library for one tokenizer.json: the ids of a text, the
 * text of ids. {@link IsolatedTokenizer} runs it in a child process (what models are loaded with);
 * {@link InProcessTokenizer} in this one.
 */
interface NativeTokenizer extends AutoCloseable {

  /**
   * @throws RuntimeException the library's error for a text it cannot encode with this tokenizer.json (an
   *     IllegalArgumentException when the library crashed or did not answer)
   */
  long[] encode(String text, boolean addSpecialTokens);

  /** @throws IllegalArgumentException when the library crashed or did not answer */
  String decode(long[] ids, boolean skipSpecialTokens);

  @Override
  void close();
}
