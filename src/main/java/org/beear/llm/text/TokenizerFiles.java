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

  static TokenizerFiles read(Path modelDir) {
    TokenizerFiles files = new TokenizerFiles();
    Path tokenizerJson = modelDir.resolve(TOKENIZER_JSON);
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new IllegalArgumentException("no " + TOKENIZER_JSON + " in " + modelDir);
    }
    files.readVocabulary(parse(tokenizerJson));
    files.tokenizerConfig = parseIfPresent(modelDir.resolve(TOKENIZER_CONFIG));
    files.generationConfig = parseIfPresent(modelDir.resolve(GENERATION_CONFIG));
    return files;
  }

  private void readVocabulary(JsonObject tokenizer) {
    JsonElement vocab = tokenizer.getAsJsonObject("model").get("vocab");
    if (vocab != null && vocab.isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) {
        idOfToken.put(e.getKey(), e.getValue().getAsLong());
      }
    } else if (vocab != null && vocab.isJsonArray()) {
      // Unigram: a list of [piece, score], the id is the position
      JsonArray pieces = vocab.getAsJsonArray();
      for (int i = 0; i < pieces.size(); i++) {
        idOfToken.putIfAbsent(pieces.get(i).getAsJsonArray().get(0).getAsString(), (long) i);
      }
    }
    JsonElement added = tokenizer.get("added_tokens");
    if (added != null && added.isJsonArray()) {
      for (JsonElement element : added.getAsJsonArray()) {
        JsonObject token = element.getAsJsonObject();
        long id = token.get("id").getAsLong();
        idOfToken.put(token.get("content").getAsString(), id);
        if (token.has("special") && token.get("special").getAsBoolean()) {
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
    if (value.isJsonObject()) {
      return Optional.of(value.getAsJsonObject().get("content").getAsString());
    }
    return Optional.of(value.getAsString());
  }

  Optional<Boolean> configFlag(String key) {
    JsonElement value = tokenizerConfig.get(key);
    return value == null || value.isJsonNull() ? Optional.empty() : Optional.of(value.getAsBoolean());
  }

  /** generation_config.json's eos_token_id: a number or a list of numbers. */
  Set<Long> generationEosIds() {
    Set<Long> ids = new LinkedHashSet<>();
    JsonElement value = generationConfig.get("eos_token_id");
    if (value == null || value.isJsonNull()) {
      return ids;
    }
    if (value.isJsonArray()) {
      value.getAsJsonArray().forEach(v -> ids.add(v.getAsLong()));
    } else {
      ids.add(value.getAsLong());
    }
    return ids;
  }

  private static JsonObject parseIfPresent(Path file) {
    return Files.isRegularFile(file) ? parse(file) : new JsonObject();
  }

  private static JsonObject parse(Path file) {
    try {
      return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("malformed JSON in " + file + ": " + e.getMessage(), e);
    }
  }
}
