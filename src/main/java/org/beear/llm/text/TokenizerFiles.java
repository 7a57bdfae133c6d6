package org.beear.llm.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What TextTokenizer needs from a model directory besides the native tokenizer: the token-to-id table
 * (model vocab plus added tokens) from tokenizer.json, and the special-token settings of
 * tokenizer_config.json and generation_config.json, both optional.
 */
final class TokenizerFiles {

  static final String TOKENIZER_JSON = "tokenizer.json";
  static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  static final String GENERATION_CONFIG = "generation_config.json";

  final Map<String, Long> idOfToken = new HashMap<>();
  final Set<Long> specialIds = new LinkedHashSet<>();
  long vocabSize;
  JsonObject tokenizerConfig = new JsonObject();
  JsonObject generationConfig = new JsonObject();

  /** Ids index the embedding table, whose size is an int: larger ids are not a real tokenizer's. */
  static final long MAX_ID = Integer.MAX_VALUE - 1;

  /** The checked text of tokenizer.json, for the native tokenizer to read (not the file again, which may change). */
  String tokenizerJson;
  private Path tokenizerConfigFile;
  private Path generationConfigFile;

  static TokenizerFiles read(Path modelDir) {
    TokenizerFiles files = new TokenizerFiles();
    Path tokenizerJson = modelDir.resolve(TOKENIZER_JSON);
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new IllegalArgumentException("no " + TOKENIZER_JSON + " in " + modelDir);
    }
    files.tokenizerJson = readText(tokenizerJson);
    JsonObject tree = parse(tokenizerJson, files.tokenizerJson);
    files.readVocabulary(tokenizerJson, tree);
    NativeTokenizerGuard.check(tokenizerJson, files.tokenizerJson, tree);
    files.tokenizerConfigFile = modelDir.resolve(TOKENIZER_CONFIG);
    files.tokenizerConfig = parseIfPresent(files.tokenizerConfigFile);
    files.generationConfigFile = modelDir.resolve(GENERATION_CONFIG);
    files.generationConfig = parseIfPresent(files.generationConfigFile);
    return files;
  }

  // The files come with the (untrusted) model: every value is checked for the type it must have, so a wrong
  // one is an IllegalArgumentException naming the file and key, not a Gson ClassCast/NullPointer/
  // NumberFormatException from deep inside the tokenizer.
  private void readVocabulary(Path file, JsonObject tokenizer) {
    JsonElement model = tokenizer.get("model");
    if (model == null || !model.isJsonObject()) {
      throw new IllegalArgumentException(file + ": \"model\" must be an object");
    }
    JsonElement vocab = model.getAsJsonObject().get("vocab");
    if (vocab != null && vocab.isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) {
        idOfToken.put(e.getKey(), id(e.getValue(), file + ": vocab entry \"" + e.getKey() + "\""));
      }
    } else if (vocab != null && vocab.isJsonArray()) {
      // Unigram: a list of [piece, score], the id is the position
      JsonArray pieces = vocab.getAsJsonArray();
      for (int i = 0; i < pieces.size(); i++) {
        JsonElement piece = pieces.get(i);
        if (!piece.isJsonArray() || piece.getAsJsonArray().isEmpty() || !isString(piece.getAsJsonArray().get(0))) {
          throw new IllegalArgumentException(file + ": vocab entry " + i + " must be a [piece, score] list");
        }
        idOfToken.putIfAbsent(piece.getAsJsonArray().get(0).getAsString(), (long) i);
      }
    }
    JsonElement added = tokenizer.get("added_tokens");
    if (added != null && added.isJsonArray()) {
      for (JsonElement element : added.getAsJsonArray()) {
        if (!element.isJsonObject() || !isString(element.getAsJsonObject().get("content"))) {
          throw new IllegalArgumentException(file + ": each of \"added_tokens\" must be an object with a string"
              + " \"content\"");
        }
        JsonObject token = element.getAsJsonObject();
        String content = token.get("content").getAsString();
        long id = id(token.get("id"), file + ": added token \"" + content + "\"");
        idOfToken.put(content, id);
        if (flag(token.get("special"), file + ": added token \"" + content + "\" \"special\"").orElse(false)) {
          specialIds.add(id);
        }
      }
    }
    vocabSize = idOfToken.values().stream().mapToLong(Long::longValue).max().orElse(-1) + 1;
  }

  /** A special-token setting that may be a plain string or an AddedToken object with "content". */
  Optional<String> configToken(String key) {
    JsonElement value = tokenizerConfig.get(key);
    if (value == null || value.isJsonNull()) {
      return Optional.empty();
    }
    if (value.isJsonObject() && isString(value.getAsJsonObject().get("content"))) {
      return Optional.of(value.getAsJsonObject().get("content").getAsString());
    }
    if (value.isJsonPrimitive()) {
      return Optional.of(value.getAsString());
    }
    throw new IllegalArgumentException(tokenizerConfigFile + ": \"" + key
        + "\" must be a string or an object with a string \"content\"");
  }

  Optional<Boolean> configFlag(String key) {
    return flag(tokenizerConfig.get(key), tokenizerConfigFile + ": \"" + key + "\"");
  }

  /** generation_config.json's eos_token_id: a number or a list of numbers. */
  Set<Long> generationEosIds() {
    Set<Long> ids = new LinkedHashSet<>();
    JsonElement value = generationConfig.get("eos_token_id");
    String where = generationConfigFile + ": \"eos_token_id\"";
    if (value == null || value.isJsonNull()) {
      return ids;
    }
    if (value.isJsonArray()) {
      value.getAsJsonArray().forEach(v -> ids.add(id(v, where)));
    } else {
      ids.add(id(value, where));
    }
    return ids;
  }

  private static boolean isString(JsonElement value) {
    return value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isString();
  }

  /** Absent or null: empty. Other primitives read as Gson reads them ("true" is true), as before. */
  private static Optional<Boolean> flag(JsonElement value, String where) {
    if (value == null || value.isJsonNull()) {
      return Optional.empty();
    }
    if (!value.isJsonPrimitive()) {
      throw new IllegalArgumentException(where + " must be true or false");
    }
    return Optional.of(value.getAsBoolean());
  }

  private static long id(JsonElement value, String where) {
    if (value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
      try {
        long id = value.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
        if (id >= 0 && id <= MAX_ID) {
          return id;
        }
      } catch (ArithmeticException | NumberFormatException e) {
        // a fraction, or beyond 64 bits: refused below like any other non-id
      }
    }
    throw new IllegalArgumentException(where + " must be a token id, an integer from 0 to " + MAX_ID + ", not "
        + (value != null && value.isJsonPrimitive() ? value : value == null ? "missing" : "a JSON structure"));
  }

  private static JsonObject parseIfPresent(Path file) {
    return Files.isRegularFile(file) ? parse(file, readText(file)) : new JsonObject();
  }

  private static String readText(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static JsonObject parse(Path file, String json) {
    try {
      return JsonParser.parseString(json).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("malformed JSON in " + file + ": " + e.getMessage(), e);
    }
  }
}
