package org.beear.llm.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offsets and sizes past 2 GiB, on sparse files: they occupy no disk space, only the bytes written.
 * The default test reads tensors stored beyond 2 GiB; {@code -Dbeear.largeTests=true} also loads a real
 * 2 GiB + 32 byte tensor (2 GiB of native memory, a few seconds).
 */
class LargeCheckpointTest {

  private static final long TWO_GIB = 1L << 31;

  @TempDir Path dir;

  /** Writes a header, sizes the file sparsely and puts {@code bytes} at data offsets (pairs offset, bytes). */
  private static Path sparseFile(Path file, String header, long dataLength, Object... offsetAndBytes)
      throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    long dataStart = 8 + h.length;
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(dataStart + dataLength);
      raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, h.length).array());
      raf.write(h);
      for (int i = 0; i < offsetAndBytes.length; i += 2) {
        raf.seek(dataStart + (Long) offsetAndBytes[i]);
        raf.write((byte[]) offsetAndBytes[i + 1]);
      }
    }
    return file;
  }

  private void requireSparseRoom() throws IOException {
    assumeTrue(Files.getFileStore(dir).getUsableSpace() > 4 * TWO_GIB, "needs 8 GiB free for sparse files");
  }

  @Test
  void tensorsStoredPast2GiBAreReadAtTheRightOffsets() throws IOException {
    requireSparseRoom();
    long hugeElements = (1L << 29) + 8; // F32: 2 GiB + 32 bytes, more than a ByteBuffer or map call can hold
    long hugeEnd = 8 + hugeElements * 4;
    long farBegin = hugeEnd + 16; // a gap, then a tensor whose data starts past 2 GiB
    String header = "{\"near\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"huge\":{\"dtype\":\"F32\",\"shape\":[" + hugeElements + "],\"data_offsets\":[8," + hugeEnd + "]},"
        + "\"far\":{\"dtype\":\"BF16\",\"shape\":[3,4],\"data_offsets\":[" + farBegin + "," + (farBegin + 24) + "]}}";
    int[] farBits = {0x3F80, 0x4000, 0x4040, 0x4080, 0x40A0, 0x40C0, 0x40E0, 0x4100, 0x4110, 0x4120, 0x4130, 0xC140};
    Path file = sparseFile(dir.resolve("sparse.safetensors"), header, farBegin + 24,
        0L, RawSafetensors.floatsLE(1.5f, -2.5f), farBegin, RawSafetensors.shortsLE(farBits));
    assertTrue(Files.size(file) > TWO_GIB);

    long dataStart = 8 + header.getBytes(StandardCharsets.UTF_8).length;
    try (Checkpoint checkpoint = Checkpoint.open(file);
        Checkpoint chunked = Checkpoint.open(file, 8);
        NDManager manager = NDManager.newBaseManager()) {
      TensorInfo huge = checkpoint.info("huge");
      assertEquals(hugeElements * 4, huge.byteLength());
      assertTrue(huge.byteLength() > Integer.MAX_VALUE);
      assertEquals(dataStart + 8, huge.dataStart());
      TensorInfo far = checkpoint.info("far");
      assertEquals(dataStart + farBegin, far.dataStart());
      assertTrue(far.dataStart() > TWO_GIB);
      assertEquals(TensorDType.F32, checkpoint.dominantDType());

      float[] expectedFar = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -12};
      assertArrayEquals(expectedFar, checkpoint.load("far", manager, DataType.FLOAT32).toFloatArray());
      assertArrayEquals(expectedFar, chunked.load("far", manager, DataType.FLOAT32).toFloatArray(), "4 chunks");
      assertArrayEquals(new float[] {1.5f, -2.5f}, checkpoint.load("near", manager, DataType.FLOAT32).toFloatArray());
    }
  }

  @Test
  void aTensorOver2GiBLoadsInChunks() throws IOException {
    assumeTrue(Boolean.getBoolean("beear.largeTests"), "opt-in: -Dbeear.largeTests=true");
    requireSparseRoom();
    long elements = (1L << 30) + 16; // F16: 2 GiB + 32 bytes, three 1 GiB chunks
    long bytes = elements * 2;
    String header = "{\"big\":{\"dtype\":\"F16\",\"shape\":[" + elements + "],\"data_offsets\":[0," + bytes + "]}}";
    long oneGiB = 1L << 30;
    Path file = sparseFile(dir.resolve("big.safetensors"), header, bytes,
        0L, RawSafetensors.shortsLE(0x3C00), // 1.0 at element 0
        oneGiB - 2, RawSafetensors.shortsLE(0x4000, 0x4200), // 2.0 | 3.0 across the first chunk boundary
        bytes - 2, RawSafetensors.shortsLE(0xC400)); // -4.0 as the last element
    try (Checkpoint checkpoint = Checkpoint.open(file);
        NDManager manager = NDManager.newBaseManager()) {
      NDArray big = checkpoint.load("big", manager, DataType.FLOAT16);
      assertEquals(elements, big.size());
      assertEquals(1f, big.get(0).toType(DataType.FLOAT32, false).getFloat());
      assertEquals(2f, big.get(oneGiB / 2 - 1).toType(DataType.FLOAT32, false).getFloat());
      assertEquals(3f, big.get(oneGiB / 2).toType(DataType.FLOAT32, false).getFloat());
      assertEquals(0f, big.get(oneGiB).toType(DataType.FLOAT32, false).getFloat());
      assertEquals(-4f, big.get(elements - 1).toType(DataType.FLOAT32, false).getFloat());
      big.close();
    }
  }
}
