package org.beear.llm.text;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * A model's tokenizer: HF {@code tokenizer.json} run by DJL's native HuggingFaceTokenizer in a child process, plus
 * the special tokens of {@code tokenizer_config.json} (bos/eos/pad, add_bos_token) and the extra stop ids of
 * {@code generation_config.json}.
 *
 * <p>Prompts rendered with a {@link ChatTemplate} already contain the BOS token where the model wants
 * one ({@code {{ bos_token }}}), so encode them with {@code addSpecialTokens = false}; encoding them
 * with {@code true} would give a double BOS.
 *
 * <p>Never truncates or pads: the caller decides lengths.
 */
public final class TextTokenizer implements AutoCloseable {

  private final NativeTokenizer tokenizer;
  private final TokenizerFiles files;
  private final String bosToken;
  private final String eosToken;
  private final OptionalLong bosId;
  private final long[] eosIds;
  private final long padId;
  private final Optional<Boolean> addBos;
  private final boolean addEos;

  private TextTokenizer(NativeTokenizer tokenizer, TokenizerFiles files) {
    this.tokenizer = tokenizer;
    this.files = files;
    this.bosToken = files.configToken("bos_token").orElse("");
    this.eosToken = files.configToken("eos_token").orElse("");
    this.bosId = bosToken.isEmpty() ? OptionalLong.empty() : OptionalLong.of(tokenId(bosToken));
    Set<Long> eos = new LinkedHashSet<>();
    if (!eosToken.isEmpty()) {
      eos.add(tokenId(eosToken));
    }
    eos.addAll(files.generationEosIds());
    this.eosIds = eos.stream().mapToLong(Long::longValue).toArray();
    // no pad token (Llama) -> pad with EOS, the usual choice; padded positions are masked anyway
    this.padId = files.configToken("pad_token").map(this::tokenId).orElse(eosIds.length > 0 ? eosIds[0] : 0L);
    this.addBos = files.configFlag("add_bos_token");
    this.addEos = files.configFlag("add_eos_token").orElse(false);
  }

  /**
   * Loads {@code tokenizer.json} (required) and {@code tokenizer_config.json} /
   * {@code generation_config.json} (optional) from a model directory. The native tokenizers library runs in a child
   * process ({@link IsolatedTokenizer}): if it crashes on the model's tokenizer.json, or on a text, this throws an
   * IllegalArgumentException that says so instead of aborting this JVM.
   */
  public static TextTokenizer load(Path modelDir) {
    return load(modelDir, IsolatedTokenizer::open);
  }

  /**
   * {@link #load(Path)} with the native library opened by {@code nativeLibrary} for the checked tokenizer.json
   * text: {@link InProcessTokenizer}, in this JVM, is for the fuzz target only, which looks for the files that
   * crash the library and needs it fast.
   */
  static TextTokenizer load(Path modelDir, Function<String, NativeTokenizer> nativeLibrary) {
    TokenizerFiles files = TokenizerFiles.read(modelDir);
    NativeTokenizer tokenizer;
    try {
      // the text TokenizerFiles checked (NativeTokenizerGuard), not the file again, which may have changed
      tokenizer = nativeLibrary.apply(files.tokenizerJson);
    } catch (IllegalArgumentException | UncheckedIOException e) {
      throw e; // the library crashed or hung (and the message says so), or it could not be started
    } catch (RuntimeException e) {
      // the native tokenizers library reports a tokenizer.json it cannot read as a bare RuntimeException
      // ("missing field `single_word` at line 1 column 127"): say which file it was
      throw new IllegalArgumentException(modelDir.resolve(TokenizerFiles.TOKENIZER_JSON)
          + " is not a tokenizer the tokenizers library reads: " + e.getMessage(), e);
    }
    files.tokenizerJson = null; // megabytes, not needed any more
    try {
      return new TextTokenizer(tokenizer, files);
    } catch (RuntimeException e) {
      tokenizer.close();
      throw e;
    }
  }

  /**
   * Encodes text. With {@code addSpecialTokens}, BOS/EOS are added as tokenizer_config.json's
   * {@code add_bos_token}/{@code add_eos_token} say (as transformers' Llama fast tokenizer does), or,
   * when it does not say, as tokenizer.json's post-processor does. Text rendered from a chat template
   * must be encoded with {@code false}.
   */
  public long[] encode(String text, boolean addSpecialTokens) {
    if (!addSpecialTokens || addBos.isEmpty()) {
      return ids(text, addSpecialTokens);
    }
    long[] body = ids(text, false);
    boolean bos = addBos.get() && bosId.isPresent();
    boolean eos = addEos && eosIds.length > 0;
    long[] out = new long[body.length + (bos ? 1 : 0) + (eos ? 1 : 0)];
    if (bos) {
      out[0] = bosId.getAsLong();
    }
    System.arraycopy(body, 0, out, bos ? 1 : 0, body.length);
    if (eos) {
      out[out.length - 1] = eosIds[0];
    }
    return out;
  }

  /**
   * The native tokenizer fails on some texts for some broken tokenizer.json files (an unk_token missing from
   * the vocabulary, say) with a bare RuntimeException: an IllegalArgumentException says it is the model's file.
   */
  private long[] ids(String text, boolean addSpecialTokens) {
    try {
      return tokenizer.encode(text, addSpecialTokens);
    } catch (IllegalArgumentException e) {
      throw e; // the library crashed or hung on the text, and the message says so
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the model's " + TokenizerFiles.TOKENIZER_JSON + " cannot encode the text: "
          + e.getMessage(), e);
    }
  }

  /**
   * Decodes ids; with {@code skipSpecialTokens} the special tokens (BOS, EOS, chat markers) are dropped.
   *
   * @throws IllegalArgumentException when the library crashed or hung on them
   */
  public String decode(long[] ids, boolean skipSpecialTokens) {
    return tokenizer.decode(ids, skipSpecialTokens);
  }

  /** Id of the BOS token, if tokenizer_config.json names one. */
  public OptionalLong bosId() {
    return bosId;
  }

  /** Ids that end generation: the EOS token, then generation_config.json's eos_token_id(s). */
  public long[] eosIds() {
    return eosIds.clone();
  }

  /** The padding id: pad_token, else the first EOS id, else 0. */
  public long padId() {
    return padId;
  }

  /** Number of ids (highest id + 1, added tokens included): the embedding table needs at least this. */
  public int vocabSize() {
    return Math.toIntExact(files.vocabSize);
  }

  /** The BOS token text for chat templates, or "" if the model has none. */
  public String bosToken() {
    return bosToken;
  }

  /** The EOS token text for chat templates, or "" if the model has none. */
  public String eosToken() {
    return eosToken;
  }

  /** Id of a token given by its exact vocabulary spelling (special tokens, typically). */
  public long tokenId(String token) {
    Long id = files.idOfToken.get(token);
    if (id == null) {
      throw new IllegalArgumentException("token not in vocabulary: " + token);
    }
    return id;
  }

  /** Whether an id belongs to an added token marked special in tokenizer.json. */
  public boolean isSpecial(long id) {
    return files.specialIds.contains(id);
  }

  /** The native library's side of this tokenizer (tests). */
  NativeTokenizer nativeTokenizer() {
    return tokenizer;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
