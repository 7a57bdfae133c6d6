package org.beear.llm.text;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Checks a tokenizer.json before the native tokenizers library (0.21.4, through DJL 0.35.1) reads it. That library
 * panics on some input instead of returning an error, and a Rust panic inside a JNI call aborts the whole JVM: a
 * worker and every job on it, for one hostile model. What it panics on, found by fuzzing and by reading its
 * source, is refused here with an IllegalArgumentException:
 *
 * <ul>
 *   <li>any JSON its parser (serde_json) rejects inside the "decoder" value ({@code expect("Helper")}): so the
 *       whole file must be strict JSON, nested at most {@value #MAX_DEPTH} deep (serde_json stops at 128), with
 *       numbers that fit a double and no unpaired surrogate escapes;
 *   <li>a "Precompiled" normalizer: a charsmap it cannot parse panics on load, and one it can parse is a
 *       double-array trie it indexes unchecked on every encode (Llama, Mistral and Qwen tokenizers have none);
 *   <li>a BPE model (with or without its "type") with a continuing_subword_prefix and a merge whose second token
 *       is shorter than the prefix (it slices the token at the prefix's length).
 * </ul>
 */
final class NativeTokenizerGuard {

  static final int MAX_DEPTH = 100;

  private static final JsonFactory STRICT = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
      .build();

  private NativeTokenizerGuard() {}

  static void check(Path file, String json, JsonObject tree) {
    try (JsonParser parser = STRICT.createParser(json)) {
      String field = null;
      for (JsonToken token; (token = parser.nextToken()) != null; ) {
        switch (token) {
          case FIELD_NAME -> {
            field = parser.currentName();
            requirePairedSurrogates(file, field);
          }
          case VALUE_STRING -> {
            String value = parser.getText();
            requirePairedSurrogates(file, value);
            if ("type".equals(field) && value.equals("Precompiled")) {
              throw new IllegalArgumentException(file + ": a \"Precompiled\" (SentencePiece charsmap) normalizer is"
                  + " not supported: the tokenizers library may abort the process on one");
            }
          }
          case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
            if (Double.isInfinite(parser.getDoubleValue())) {
              throw new IllegalArgumentException(file + ": the number " + abbreviate(parser.getText())
                  + " is out of range");
            }
          }
          default -> { }
        }
        if (token != JsonToken.FIELD_NAME) {
          field = null;
        }
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(file + " is not strict JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    checkBpeMerges(file, tree.get("model"));
  }

  private static void checkBpeMerges(Path file, JsonElement model) {
    if (model == null || !model.isJsonObject()) {
      return;
    }
    JsonObject m = model.getAsJsonObject();
    JsonElement prefix = m.get("continuing_subword_prefix");
    JsonElement merges = m.get("merges");
    // not only "type": "BPE": the library also reads a model without a type as BPE when it has BPE's fields
    if (string(prefix) == null || merges == null || !merges.isJsonArray()) {
      return;
    }
    int prefixBytes = string(prefix).getBytes(StandardCharsets.UTF_8).length;
    for (JsonElement merge : merges.getAsJsonArray()) {
      String second = null;
      if (merge.isJsonArray() && merge.getAsJsonArray().size() == 2) {
        second = string(merge.getAsJsonArray().get(1));
      } else if (string(merge) != null && !string(merge).startsWith("#version")
          && string(merge).split(" ", -1).length == 2) {
        second = string(merge).split(" ", -1)[1];
      }
      if (second != null && !startsOnCharBoundary(second.getBytes(StandardCharsets.UTF_8), prefixBytes)) {
        throw new IllegalArgumentException(file + ": the BPE merge " + abbreviate(merge.toString()) + " has a second"
            + " token shorter than the continuing_subword_prefix " + prefix);
      }
    }
  }

  /** Whether {@code bytes} (UTF-8) can be cut after {@code at} bytes: it is that long and no character is split. */
  private static boolean startsOnCharBoundary(byte[] bytes, int at) {
    return at <= bytes.length && (at == bytes.length || (bytes[at] & 0xC0) != 0x80);
  }

  private static String string(JsonElement value) {
    return value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isString() ? value.getAsString()
        : null;
  }

  private static void requirePairedSurrogates(Path file, String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(file + ": a string holds an unpaired surrogate (\\u"
            + Integer.toHexString(c) + "), which is not Unicode text");
      }
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }

}
