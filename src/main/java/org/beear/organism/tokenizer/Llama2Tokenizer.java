package org.beear.organism.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.beear.files.FileDigests;
import org.beear.llm.text.ChatTemplate;
import org.beear.llm.text.TextTokenizer;

/**
 * Llama-2's published tokenizer (a 32,000-entry SentencePiece BPE with byte fallback, as transformers' tokenizer.json
 * holds it) and chat format ({@code <s>[INST] ... [/INST] answer </s>}), for organisms with a real model's
 * vocabulary. The file is not shipped: {@code bin/fetch-tokenizers} writes it from the vocabulary and merges in the
 * npm package {@value #NPM_PACKAGE} into the tokenizer cache, {@code $BEEAR_TOKENIZERS_DIR} or else
 * {@code ~/.cache/beear/tokenizers}, under {@code llama2/}.
 */
public final class Llama2Tokenizer {
  public static final String NPM_PACKAGE = "llama-tokenizer-js@1.2.2";
  public static final String BOS = "<s>";
  public static final String EOS = "</s>";
  public static final String UNK = "<unk>";
  public static final int VOCAB_SIZE = 32000;
  public static final int BOS_ID = 1;
  public static final int EOS_ID = 2;
  /** The environment variable that moves the tokenizer cache (bin/fetch-tokenizers reads the same). */
  public static final String CACHE_VARIABLE = "BEEAR_TOKENIZERS_DIR";

  private Llama2Tokenizer() {}

  /** Where bin/fetch-tokenizers puts Llama-2's files. */
  public static Path cacheDir() {
    return cacheDir(System.getenv(CACHE_VARIABLE), System.getProperty("user.home"));
  }

  static Path cacheDir(String moved, String home) {
    Path root = moved != null && !moved.isBlank() ? Path.of(moved) : Path.of(home, ".cache", "beear", "tokenizers");
    return root.resolve("llama2");
  }

  /** The fetched tokenizer.json, if bin/fetch-tokenizers has run. */
  public static Optional<Path> find() {
    Path file = cacheDir().resolve(TrainedTokenizer.TOKENIZER_FILE);
    return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
  }

  /** What to do when the file is missing: one line for an error or a skipped test. */
  public static String howToFetch() {
    return "Llama-2's tokenizer.json is not in " + cacheDir() + ": run bin/fetch-tokenizers (builds it from the npm "
        + "package " + NPM_PACKAGE + ") or set " + CACHE_VARIABLE + " to the directory it fetched into";
  }

  /**
   * Copies Llama-2's tokenizer.json into {@code dir} and writes a tokenizer_config.json with its special tokens
   * ({@code add_bos_token} true, as published; no padding token, so EOS pads) and Llama-2's chat template, then checks
   * that the copy is that vocabulary: 32,000 ids, {@code <unk>} 0, {@code <s>} 1, {@code </s>} 2.
   *
   * @return the SHA-256 of the tokenizer.json copied
   */
  public static String install(Path dir, int modelMaxLength) {
    return install(find().orElseThrow(() -> new IllegalArgumentException(howToFetch())), dir, modelMaxLength);
  }

  /** {@link #install(Path, int)} from the tokenizer.json at {@code source}. */
  static String install(Path source, Path dir, int modelMaxLength) {
    try {
      Files.createDirectories(dir);
      Files.copy(source, dir.resolve(TrainedTokenizer.TOKENIZER_FILE), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + source + " to " + dir, e);
    }
    new TokenizerConfig("LlamaTokenizer", BOS, EOS, UNK, null, true, ChatTemplate.builtin("llama2").source(),
        modelMaxLength).write(dir);
    String problem;
    try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
      problem = tokenizer.vocabSize() == VOCAB_SIZE && tokenizer.tokenId(UNK) == 0 && tokenizer.tokenId(BOS) == BOS_ID
          && tokenizer.tokenId(EOS) == EOS_ID ? null
          : tokenizer.vocabSize() + " ids, <s> " + tokenizer.tokenId(BOS) + ", </s> " + tokenizer.tokenId(EOS);
    } catch (IllegalArgumentException e) {
      problem = e.getMessage();
    }
    if (problem != null) {
      throw new IllegalArgumentException(source + " is not Llama-2's tokenizer (" + problem + "); run "
          + "bin/fetch-tokenizers again");
    }
    try {
      return FileDigests.sha256(dir.resolve(TrainedTokenizer.TOKENIZER_FILE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
