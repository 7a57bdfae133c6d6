package org.beear.llm.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Broken or malicious files must end in a CheckpointException that names the file and the problem. */
class CheckpointHostileInputTest {

  @TempDir Path dir;

  private static final String GOOD_ENTRY = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

  private static void assertRejected(Path path, String expectedFileName, String... problemWords) {
    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(path).close());
    String message = e.getMessage();
    assertTrue(message.contains(expectedFileName), "names the file: " + message);
    for (String word : problemWords) {
      assertTrue(message.contains(word), "mentions '" + word + "': " + message);
    }
  }

  private Path headerFile(String header, int dataBytes) throws IOException {
    return RawSafetensors.file(dir.resolve("bad.safetensors"), header, new byte[dataBytes]);
  }

  @Test
  void fileShorterThanTheLengthPrefix() throws IOException {
    Path file = Files.write(dir.resolve("tiny.safetensors"), new byte[] {1, 2, 3});
    assertRejected(file, "tiny.safetensors", "3 bytes", "shorter");
  }

  @Test
  void headerLengthPastTheEndOfTheFile() throws IOException {
    byte[] header = ("{" + GOOD_ENTRY + "}").getBytes(StandardCharsets.UTF_8);
    Path file = RawSafetensors.file(dir.resolve("cut.safetensors"), header.length + 100, header, new byte[8]);
    assertRejected(file, "cut.safetensors", "past the end");
  }

  @ParameterizedTest
  @CsvSource({"104857601", "-1", "9223372036854775807"})
  void headerLengthOverTheCapIsRefusedBeforeAnyAllocation(long declared) throws IOException {
    Path file = RawSafetensors.file(dir.resolve("huge.safetensors"), declared, new byte[16], new byte[0]);
    assertRejected(file, "huge.safetensors", "exceeds the cap");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not JSON                 | {\"a\": {                                                             | not valid JSON",
        "array, not object        | [1, 2]                                                                | JSON object",
        "trailing garbage         | {} {}                                                                 | not valid JSON",
        "duplicate tensor name    | {\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]}} | Duplicate field",
        "entry not an object      | {\"a\": 3}                                                            | entry must be an object",
        "dtype not a string       | {\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}            | \"dtype\" must be a string",
        "unknown dtype            | {\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}       | unsupported dtype \"Q4\"",
        "integer dtype            | {\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}      | unsupported dtype \"I64\"",
        "shape not an array       | {\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}    | \"shape\" must be an array",
        "shape missing            | {\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}                    | \"shape\" must be an array",
        "fractional dimension     | {\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}    | not an integer",
        "negative dimension       | {\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}     | negative",
        "dimension over 64 bits   | {\"a\":{\"dtype\":\"F32\",\"shape\":[1e30],\"data_offsets\":[0,8]}}   | not an integer",
        "huge integer dimension   | {\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}} | fits in 64 bits",
        "shape product overflows  | {\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}} | overflows",
        "bytes overflow           | {\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,8]}}   | overflows",
        "three offsets            | {\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}    | must have 2 entries",
        "offsets reversed         | {\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}      | reversed",
        "offsets past the data    | {\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}     | past the end of the data (8 bytes)",
        "negative offset          | {\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}     | negative",
        "length not shape x dtype | {\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}      | needs 12",
        "overlapping tensors      | {\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]}} | overlaps tensor \"a\"",
        "metadata not an object   | {\"__metadata__\":[1]}                                                | __metadata__ must be an object",
        "metadata value a number  | {\"__metadata__\":{\"format\":1}}                                     | must be a string",
      })
  void malformedHeaderIsRejectedWithItsProblem(String description, String header, String problem)
      throws IOException {
    assertRejected(headerFile(header.strip(), 8), "bad.safetensors", problem);
  }

  @Test
  void headerThatIsNotUtf8() throws IOException {
    byte[] header = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
    Path file = RawSafetensors.file(dir.resolve("latin.safetensors"), header.length, header, new byte[0]);
    assertRejected(file, "latin.safetensors", "UTF-8");
  }

  @Test
  void deeplyNestedJsonIsAnExceptionNotAStackOverflow() throws IOException {
    String header = "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    assertRejected(headerFile(header, 0), "bad.safetensors", "JSON");
  }

  @Test
  void missingPathsAndDirectoriesWithoutWeights() throws IOException {
    assertRejected(dir.resolve("nope"), "nope", "no such file");
    Path empty = Files.createDirectories(dir.resolve("empty-model"));
    Files.writeString(empty.resolve("config.json"), "{}");
    assertRejected(empty, "empty-model", "model.safetensors");
    assertRejected(empty.resolve("config.json"), "config.json", "not a .safetensors");
  }

  // ---- sharded checkpoints ----

  private Path shard(String name, String header, int dataBytes) throws IOException {
    return RawSafetensors.file(dir.resolve(name), header, new byte[dataBytes]);
  }

  private Path index(String weightMapJson) throws IOException {
    return Files.writeString(dir.resolve("model.safetensors.index.json"),
        "{\"metadata\":{\"total_size\":16},\"weight_map\":" + weightMapJson + "}");
  }

  @Test
  void indexNamingAMissingShard() throws IOException {
    shard("model-00001-of-00002.safetensors", "{" + GOOD_ENTRY + "}", 8);
    index("{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}");
    assertRejected(dir, "model.safetensors.index.json", "model-00002-of-00002.safetensors", "does not exist");
  }

  @Test
  void indexNamingATensorNotInItsShard() throws IOException {
    shard("model-00001-of-00002.safetensors", "{" + GOOD_ENTRY + "}", 8);
    shard("model-00002-of-00002.safetensors",
        "{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
    index("{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\"}");
    // shard 2 is not referenced, so "b" is simply missing from shard 1
    assertRejected(dir, "model.safetensors.index.json", "\"b\"", "no such tensor");

    index("{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\","
        + "\"c\":\"model-00002-of-00002.safetensors\"}");
    assertRejected(dir, "model.safetensors.index.json", "\"c\"", "model-00002-of-00002.safetensors");
  }

  @Test
  void sameTensorInTwoShards() throws IOException {
    shard("model-00001-of-00002.safetensors", "{" + GOOD_ENTRY + "}", 8);
    shard("model-00002-of-00002.safetensors", "{" + GOOD_ENTRY + "}", 8);
    index("{\"a\":\"model-00001-of-00002.safetensors\",\"x\":\"model-00002-of-00002.safetensors\"}");
    assertRejected(dir, "model-00002-of-00002.safetensors", "\"a\"", "duplicate", "model-00001-of-00002");
  }

  @Test
  void shardNamesMayNotEscapeTheModelDirectory() throws IOException {
    Path model = Files.createDirectories(dir.resolve("model"));
    shard("outside.safetensors", "{" + GOOD_ENTRY + "}", 8);
    Files.writeString(model.resolve("model.safetensors.index.json"),
        "{\"weight_map\":{\"a\":\"../outside.safetensors\"}}");
    assertRejected(model, "model.safetensors.index.json", "../outside.safetensors", "not a file next to the index");
    Files.writeString(model.resolve("model.safetensors.index.json"),
        "{\"weight_map\":{\"a\":\"" + dir.resolve("outside.safetensors") + "\"}}");
    assertRejected(model, "model.safetensors.index.json", "not a file next to the index");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"weight_map\": [1]}          | \"weight_map\" object",
        "{\"metadata\": {}}             | \"weight_map\" object",
        "{\"weight_map\": {\"a\": 1}}   | must be a file name string",
        "{\"weight_map\": {             | not valid JSON",
      })
  void malformedIndex(String json, String problem) throws IOException {
    Files.writeString(dir.resolve("model.safetensors.index.json"), json.strip());
    assertRejected(dir, "model.safetensors.index.json", problem);
  }

  @Test
  void brokenShardIsReportedWithTheShardName() throws IOException {
    shard("model-00001-of-00001.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99]}}", 8);
    index("{\"a\":\"model-00001-of-00001.safetensors\"}");
    assertRejected(dir, "model-00001-of-00001.safetensors", "\"a\"");
  }

  @Test
  void aValidFileNextToTheseCasesOpens() throws IOException {
    // guards the cases above: the same builder produces a file the reader accepts
    try (Checkpoint checkpoint = Checkpoint.open(headerFile("{" + GOOD_ENTRY + "}", 8))) {
      assertEquals(8, checkpoint.info("a").byteLength());
      assertEquals(8 + ("{" + GOOD_ENTRY + "}").length(), checkpoint.info("a").dataStart());
    }
  }
}
