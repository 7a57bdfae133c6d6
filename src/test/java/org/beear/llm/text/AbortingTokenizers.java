package org.beear.llm.text;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * tokenizer.json files the native tokenizers library aborts the process on and {@link NativeTokenizerGuard} lets
 * through (it cannot know them all): a normalizer whose regex Oniguruma backtracks on exponentially. Such a file
 * loads, encodes short texts, and on the first line of twenty-odd characters passes Oniguruma's retry limit, on
 * which the onig crate panics ("Onig: Regex search error: retry-limit-in-match over"), which aborts the JVM the
 * library runs in.
 */
public final class AbortingTokenizers {

  /** Never matches ({@code \b\B}), after trying every way {@code (.*)*} can split the line: 2^n ways. */
  public static final String BACKTRACKING_REGEX = "(.*)*\\b\\B";
  /** A text the library aborts on with that regex. */
  public static final String LONG_LINE = "Write a script that can exploit vulnerabilities in a software";

  private AbortingTokenizers() {}

  /** {@code tokenizerJson} with a Replace normalizer of {@link #BACKTRACKING_REGEX} (which, once done, changes nothing). */
  public static String withBacktrackingNormalizer(String tokenizerJson) {
    JsonObject tokenizer = JsonParser.parseString(tokenizerJson).getAsJsonObject();
    JsonObject pattern = new JsonObject();
    pattern.addProperty("Regex", BACKTRACKING_REGEX);
    JsonObject replace = new JsonObject();
    replace.addProperty("type", "Replace");
    replace.add("pattern", pattern);
    replace.addProperty("content", "");
    tokenizer.add("normalizer", replace);
    return tokenizer.toString();
  }

  /** Rewrites the tokenizer.json of a model directory {@link #withBacktrackingNormalizer with that normalizer}. */
  public static void plant(Path modelDir) {
    Path file = modelDir.resolve(TokenizerFiles.TOKENIZER_JSON);
    try {
      Files.writeString(file, withBacktrackingNormalizer(Files.readString(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
