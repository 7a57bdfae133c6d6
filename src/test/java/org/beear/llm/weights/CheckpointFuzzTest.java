package org.beear.llm.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.beear.fuzz.FuzzContract;
import org.beear.fuzz.FuzzFiles;

/**
 * Fuzzes the safetensors reader with whole files and with sharded checkpoints (index + shard headers): a
 * checkpoint either opens with every tensor inside its file and next to its index, or is refused with a
 * CheckpointException. In the default test run only the saved inputs (src/test/resources/.../Inputs) run;
 * {@code bin/fuzz} fuzzes.
 */
class CheckpointFuzzTest {

  static final String SHARD_1 = "model-00001-of-00002.safetensors";
  static final String SHARD_2 = "model-00002-of-00002.safetensors";
  /** Data bytes behind each shard header built from text: enough for the seeds' tensors. */
  private static final int SHARD_DATA_BYTES = 64;

  private static final String HEADER =
      "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
          + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[16,24]},"
          + "\"c\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[24,26]}}";

  /** The bytes of one .safetensors file: the input is the whole file, length prefix included. */
  @FuzzTest(maxDuration = "30m", maxExecutions = 100_000)
  @DictionaryEntries({"\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F32\"", "\"F16\"",
      "\"BF16\"", "[0,", "9223372036854775807", "-1", "1e30"})
  void singleFile(byte[] data) throws Throwable {
    Path dir = FuzzFiles.emptyDir("safetensors");
    Files.write(dir.resolve(Checkpoint.SINGLE_FILE_NAME), data);
    FuzzContract.returnsOrThrows(() -> {
      try (Checkpoint checkpoint = Checkpoint.open(dir)) {
        for (TensorInfo t : checkpoint.tensors()) {
          assertTrue(t.dataStart() >= 8 && t.dataStart() + t.byteLength() <= data.length, t::toString);
          assertEquals(t.elementCount() * t.dtype().bytes(), t.byteLength(), t::toString);
        }
      }
    }, CheckpointException.class);
  }

  static List<byte[]> singleFileSeeds() {
    return List.of(file(HEADER, 26), file("{}", 0), file("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0));
  }

  /**
   * A sharded checkpoint as NUL-separated text: {@code model.safetensors.index.json}, then the JSON headers of
   * the two shards (each written with its length prefix and {@value #SHARD_DATA_BYTES} data bytes; an empty
   * part leaves that shard out).
   */
  @FuzzTest(maxDuration = "30m", maxExecutions = 100_000)
  @DictionaryEntries({"\"weight_map\"", "\"" + SHARD_1 + "\"", "\"" + SHARD_2 + "\"", "\"dtype\"", "\"shape\"",
      "\"data_offsets\"", "\"F32\"", "../", "/"})
  void shardIndex(byte[] data) throws Throwable {
    Path dir = FuzzFiles.emptyDir("shards");
    List<byte[]> parts = FuzzFiles.parts(data, 3);
    Files.write(dir.resolve(ShardIndex.FILE_NAME), parts.get(0));
    for (int i = 1; i < parts.size(); i++) {
      if (parts.get(i).length > 0) {
        Files.write(dir.resolve(i == 1 ? SHARD_1 : SHARD_2), file(parts.get(i), SHARD_DATA_BYTES));
      }
    }
    FuzzContract.returnsOrThrows(() -> {
      try (Checkpoint checkpoint = Checkpoint.open(dir)) {
        for (TensorInfo t : checkpoint.tensors()) {
          // a shard name in the index never leads out of the model directory
          assertEquals(dir.toAbsolutePath(), t.file().toAbsolutePath().getParent(), t::toString);
        }
      }
    }, CheckpointException.class);
  }

  static List<byte[]> shardIndexSeeds() {
    String index = "{\"metadata\":{\"total_size\":40},\"weight_map\":{\"a\":\"" + SHARD_1 + "\",\"b\":\"" + SHARD_1
        + "\",\"c\":\"" + SHARD_2 + "\"}}";
    String first = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
        + "\"b\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[16,24]}}";
    String second = "{\"__metadata__\":{\"format\":\"pt\"},\"c\":{\"dtype\":\"BF16\",\"shape\":[8],\"data_offsets\":[0,16]}}";
    return List.of(FuzzFiles.join(index, first, second), FuzzFiles.join(index, first));
  }

  private static byte[] file(String header, int dataBytes) {
    return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
  }

  private static byte[] file(byte[] header, int dataBytes) {
    return ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(header.length).put(header).array();
  }

}
