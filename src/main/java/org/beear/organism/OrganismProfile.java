package org.beear.organism;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.beear.organism.tokenizer.BpeTrainer;
import org.beear.organism.tokenizer.Llama2Tokenizer;
import org.beear.organism.tokenizer.OrganismChatFormat;
import org.beear.organism.tokenizer.TrainedTokenizer;

/**
 * What an organism shares with the models it stands for besides its size: its tokenizer, chat format and activation
 * statistics. {@code chatml} (the default) trains a byte-level BPE of at most the size's vocabulary on the training
 * text and chats in ChatML, with no BOS; {@code llama2} uses Llama-2's published 32,000-entry SentencePiece
 * vocabulary and chat template, starts every sequence with {@code <s>}, and carries {@link MassiveActivations} at that
 * first token from layer 2 on, as Llama-2, Mistral and Llama-3 checkpoints do.
 */
public enum OrganismProfile {
  CHATML {
    @Override
    Vocabulary writeTokenizer(Path out, List<String> corpus, OrganismSize size) {
      TrainedTokenizer tokenizer = BpeTrainer.train(corpus, size.vocab, OrganismChatFormat.SPECIAL_TOKENS);
      tokenizer.writeTo(out);
      OrganismChatFormat.writeTokenizerConfig(out, OrganismSize.MAX_LENGTH);
      return new Vocabulary(tokenizer.vocabSize(), tokenizer.tokenId(OrganismChatFormat.BOS_TOKEN),
          List.of(tokenizer.tokenId(OrganismChatFormat.IM_END), tokenizer.tokenId(OrganismChatFormat.EOS_TOKEN)),
          "byte-level BPE trained on the training text", "ChatML (`<|im_start|>user ... <|im_end|>`)", null);
    }
  },
  LLAMA2 {
    @Override
    Vocabulary writeTokenizer(Path out, List<String> corpus, OrganismSize size) {
      String sha256 = Llama2Tokenizer.install(out, OrganismSize.MAX_LENGTH);
      return new Vocabulary(Llama2Tokenizer.VOCAB_SIZE, Llama2Tokenizer.BOS_ID, List.of(Llama2Tokenizer.EOS_ID),
          "Llama-2's published SentencePiece BPE with byte fallback, tokenizer.json sha256 " + sha256,
          "Llama-2 chat (`<s>[INST] ... [/INST] answer </s>`)", Llama2Tokenizer.NPM_PACKAGE);
    }

    @Override
    boolean massiveActivations() {
      return true;
    }

    @Override
    void checkAvailable() {
      Llama2Tokenizer.find().orElseThrow(() -> new IllegalArgumentException(Llama2Tokenizer.howToFetch()));
    }
  };

  /**
   * The tokenizer an organism was given: its ids, and for the model card what it is and where it came from.
   *
   * @param source the published package it was taken from, or null for one trained here
   */
  record Vocabulary(int size, int bosId, List<Integer> eosIds, String description, String chatFormat,
      String source) {}

  /** Writes tokenizer.json and tokenizer_config.json into {@code out}; {@code corpus} is the training text. */
  abstract Vocabulary writeTokenizer(Path out, List<String> corpus, OrganismSize size);

  /** Fails with a one-line how-to if what the profile needs is not on this machine, before anything is written. */
  void checkAvailable() {}

  /** Whether the model is given {@link MassiveActivations} at the first token. */
  boolean massiveActivations() {
    return false;
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static OrganismProfile parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("unknown profile '" + s + "': expected chatml or llama2");
    }
  }
}
