package org.beear.organism.tokenizer;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An organism's {@value #FILE_NAME}, which transformers' AutoTokenizer and this project's TextTokenizer and
 * ChatTemplate read next to tokenizer.json: the special tokens, whether encoding adds BOS, and the chat template.
 *
 * @param unk the unknown token, or null where the vocabulary has none (byte-level BPE)
 * @param pad the padding token, or null (then the EOS pads, as for Llama-2)
 */
public record TokenizerConfig(String tokenizerClass, String bos, String eos, String unk, String pad,
    boolean addBos, String chatTemplate, int modelMaxLength) {

  public static final String FILE_NAME = "tokenizer_config.json";

  /** Writes {@value #FILE_NAME} into {@code dir}, creating it if needed. */
  public void write(Path dir) {
    JsonObject config = new JsonObject();
    config.addProperty("tokenizer_class", tokenizerClass);
    config.addProperty("bos_token", bos);
    config.addProperty("eos_token", eos);
    addOrNull(config, "unk_token", unk);
    addOrNull(config, "pad_token", pad);
    config.addProperty("add_bos_token", addBos);
    config.addProperty("add_eos_token", false);
    config.addProperty("clean_up_tokenization_spaces", false);
    config.addProperty("model_max_length", modelMaxLength);
    config.addProperty("chat_template", chatTemplate);
    String json = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(config);
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(FILE_NAME), json + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + FILE_NAME + " to " + dir, e);
    }
  }

  private static void addOrNull(JsonObject config, String key, String value) {
    if (value == null) {
      config.add(key, JsonNull.INSTANCE);
    } else {
      config.addProperty(key, value);
    }
  }
}
