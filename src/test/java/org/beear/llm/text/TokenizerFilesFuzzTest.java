package org.beear.llm.text;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.beear.fuzz.FuzzContract;
import org.beear.fuzz.FuzzFiles;

/**
 * Fuzzes a model's tokenizer files as TextTokenizer.load and ChatTemplate.fromModelDir read them. The input is
 * NUL-separated text: tokenizer.json, tokenizer_config.json, generation_config.json (the last two are left out
 * when their part is missing). The tokenizer either loads and encodes/decodes, or is refused with an
 * IllegalArgumentException (UncheckedIOException for an unreadable file); the chat template is found or a
 * ChatTemplateException says why not. The native library runs in this JVM ({@link InProcessTokenizer}), not in a
 * child as models' tokenizers do: an input it aborts on ends the fuzzing run, which is how such inputs are found
 * (for {@link NativeTokenizerGuard}), and a child per input would be a thousand times slower.
 */
class TokenizerFilesFuzzTest {

  @FuzzTest(maxDuration = "30m", maxExecutions = 100_000)
  @DictionaryEntries({"\"model\"", "\"vocab\"", "\"added_tokens\"", "\"id\"", "\"content\"", "\"special\"",
      "\"bos_token\"", "\"eos_token\"", "\"pad_token\"", "\"add_bos_token\"", "\"add_eos_token\"",
      "\"eos_token_id\"", "\"chat_template\"", "\"name\"", "\"template\"", "\"default\"", "\"type\"", "\"BPE\"",
      "\"Unigram\"", "\"WordLevel\"", "9223372036854775807", "null", "true", "[]", "{}"})
  void tokenizerFiles(byte[] data) throws Throwable {
    Path dir = FuzzFiles.emptyDir("tokenizer");
    List<byte[]> parts = FuzzFiles.parts(data, 3);
    Files.write(dir.resolve(TokenizerFiles.TOKENIZER_JSON), parts.get(0));
    if (parts.size() > 1) {
      Files.write(dir.resolve(TokenizerFiles.TOKENIZER_CONFIG), parts.get(1));
    }
    if (parts.size() > 2) {
      Files.write(dir.resolve(TokenizerFiles.GENERATION_CONFIG), parts.get(2));
    }
    FuzzContract.returnsOrThrows(() -> {
      try (TextTokenizer tokenizer = TextTokenizer.load(dir, InProcessTokenizer::new)) {
        assertTrue(tokenizer.vocabSize() >= 0);
        for (boolean special : new boolean[] {false, true}) {
          long[] ids = tokenizer.encode("Hello <s>[INST] wörld </s>", special);
          tokenizer.decode(ids, special);
        }
        tokenizer.bosId();
        tokenizer.eosIds();
        tokenizer.padId();
      }
    }, IllegalArgumentException.class, UncheckedIOException.class);
    FuzzContract.returnsOrThrows(() -> ChatTemplate.fromModelDir(dir), ChatTemplateException.class,
        UncheckedIOException.class);
  }

  /** The tokenizer files the tests ship: a real byte-fallback BPE tokenizer and published tokenizer configs. */
  static List<byte[]> tokenizerFilesSeeds() throws IOException {
    String tokenizer = resource("llama-bytefallback/tokenizer.json");
    List<byte[]> seeds = new ArrayList<>();
    seeds.add(FuzzFiles.join(tokenizer, resource("llama-bytefallback/tokenizer_config.json"),
        resource("llama-bytefallback/generation_config.json")));
    for (String model : List.of("llama2-chat", "llama3-instruct", "mistral-instruct-v0.2", "qwen2-instruct",
        "named-templates", "no-template")) {
      seeds.add(FuzzFiles.join(tokenizer, resource(model + "/tokenizer_config.json")));
    }
    seeds.add(FuzzFiles.join("{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[{\"id\":0,"
        + "\"content\":\"<s>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,"
        + "\"special\":true}],\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,"
        + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{\"<s>\":0,\"a\":1},\"unk_token\":\"<s>\"}}",
        "{\"bos_token\":{\"content\":\"<s>\"},\"add_bos_token\":true}", "{\"eos_token_id\":[0,1]}"));
    return seeds;
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = TokenizerFilesFuzzTest.class.getResourceAsStream("/text/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
