package org.beear.organism.tokenizer;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.List;

/**
 * Serialises a {@link TrainedTokenizer} as an HF {@code tokenizer.json}: BPE model, ByteLevel
 * pre-tokenizer, post-processor and decoder, special tokens as {@code added_tokens}. The output is a
 * pure function of the tokenizer (fixed key order), so equal tokenizers give byte-identical files.
 */
final class TokenizerJsonWriter {

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();

  private TokenizerJsonWriter() {}

  static String toJson(TrainedTokenizer tokenizer) {
    JsonObject root = new JsonObject();
    root.addProperty("version", "1.0");
    root.add("truncation", JsonNull.INSTANCE);
    root.add("padding", JsonNull.INSTANCE);
    root.add("added_tokens", addedTokens(tokenizer.specialTokens()));
    root.add("normalizer", JsonNull.INSTANCE);
    root.add("pre_tokenizer", byteLevel(false, true));
    root.add("post_processor", byteLevel(false, false));
    root.add("decoder", byteLevel(true, true));
    root.add("model", model(tokenizer));
    return GSON.toJson(root) + "\n";
  }

  private static JsonArray addedTokens(List<String> specialTokens) {
    JsonArray array = new JsonArray();
    for (int id = 0; id < specialTokens.size(); id++) {
      JsonObject token = new JsonObject();
      token.addProperty("id", id);
      token.addProperty("content", specialTokens.get(id));
      token.addProperty("single_word", false);
      token.addProperty("lstrip", false);
      token.addProperty("rstrip", false);
      token.addProperty("normalized", false);
      token.addProperty("special", true);
      array.add(token);
    }
    return array;
  }

  private static JsonObject byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
    JsonObject o = new JsonObject();
    o.addProperty("type", "ByteLevel");
    o.addProperty("add_prefix_space", addPrefixSpace);
    o.addProperty("trim_offsets", trimOffsets);
    o.addProperty("use_regex", true);
    return o;
  }

  private static JsonObject model(TrainedTokenizer tokenizer) {
    JsonObject model = new JsonObject();
    model.addProperty("type", "BPE");
    model.add("dropout", JsonNull.INSTANCE);
    model.add("unk_token", JsonNull.INSTANCE);
    model.add("continuing_subword_prefix", JsonNull.INSTANCE);
    model.add("end_of_word_suffix", JsonNull.INSTANCE);
    model.addProperty("fuse_unk", false);
    model.addProperty("byte_fallback", false);
    JsonObject vocab = new JsonObject();
    List<String> tokens = tokenizer.vocab();
    for (int id = 0; id < tokens.size(); id++) {
      vocab.addProperty(tokens.get(id), id);
    }
    model.add("vocab", vocab);
    JsonArray merges = new JsonArray();
    // "left right" strings: readable by every tokenizers version; byte-level tokens never contain a space
    for (TrainedTokenizer.Merge m : tokenizer.merges()) {
      merges.add(m.left() + " " + m.right());
    }
    model.add("merges", merges);
    return model;
  }
}
