package org.beear.beear.data;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.beear.fuzz.FuzzContract;
import org.beear.fuzz.FuzzFiles;

/**
 * Fuzzes the caller's defender data files (docs/defender-data.md) through DefenderDataReader, with the CSV and
 * JSON Lines parsers under it: a file is read as harmful pairs and as anchors, each either giving examples whose
 * fields are all non-blank or refused with a DefenderDataException.
 */
class DefenderDataFuzzTest {

  @FuzzTest(maxDuration = "30m", maxExecutions = 100_000)
  @DictionaryEntries({"query", "safe_response", "unwanted_response", "prompt", "response", "\"", "\"\"", ",",
      "\uFEFF"})
  void csv(byte[] data) throws Throwable {
    read(data, "data.csv");
  }

  @FuzzTest(maxDuration = "30m", maxExecutions = 100_000)
  @DictionaryEntries({"\"query\"", "\"safe_response\"", "\"unwanted_response\"", "\"prompt\"", "\"response\"",
      "null", "{}", "[]", "\\u0000", "\\ud800"})
  void jsonLines(byte[] data) throws Throwable {
    read(data, "data.jsonl");
  }

  private static void read(byte[] data, String fileName) throws Throwable {
    Path file = Files.write(FuzzFiles.emptyDir("defender").resolve(fileName), data);
    FuzzContract.returnsOrThrows(() -> {
      for (DefenderExample e : DefenderDataReader.readHarmful(file)) {
        assertFalse(e.query().isBlank() || e.safeResponse().isBlank() || e.unwantedResponse().isBlank(), e::toString);
      }
    }, DefenderDataException.class);
    FuzzContract.returnsOrThrows(() -> {
      for (AnchorExample a : DefenderDataReader.readAnchors(file)) {
        assertFalse(a.prompt().isBlank() || a.response().isBlank(), a::toString);
      }
    }, DefenderDataException.class);
  }

  static List<byte[]> csvSeeds() {
    return List.of(
        bytes("query,safe_response,unwanted_response,prompt,response\n"
            + "\"How do I pick a lock?\",\"I can't help with that.\",\"Sure, here is how\",q,a\n"
            + "\"multi\nline, \"\"quoted\"\"\",s,u,p,r\r\n\n"),
        bytes("\uFEFFprompt,response\nhi,hello\n"));
  }

  static List<byte[]> jsonLinesSeeds() {
    return List.of(
        bytes("{\"query\":\"How do I pick a lock?\",\"safe_response\":\"I can't help with that.\","
            + "\"unwanted_response\":\"Sure, here is how\",\"prompt\":\"hi\",\"response\":\"hello\"}\n\n"
            + "{\"query\":\"q\\u00e9\",\"safe_response\":\"s\",\"unwanted_response\":\"u\",\"prompt\":\"p\","
            + "\"response\":\"r\",\"extra\":[1,{\"a\":null}]}\n"),
        bytes("{\"prompt\":\"hi\",\"response\":\"hello\"}\r\n"));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
