package org.beear.llm.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CheckpointRoundTripTest {

  @TempDir Path dir;
  private NDManager manager;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  /** Values spanning normal, subnormal, signed zero and large magnitudes, in F32. */
  private NDArray awkwardValues(Shape shape) {
    float[] v = new float[(int) shape.size()];
    java.util.Random random = new java.util.Random(42);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9) - 4));
    }
    float[] special = {-0.0f, 1e-40f /* subnormal in F32 and BF16 */, 60000f};
    System.arraycopy(special, 0, v, 0, Math.min(special.length, v.length));
    return manager.create(v, shape);
  }

  private static byte[] bytesOf(NDArray array) {
    ByteBuffer b = array.toByteBuffer();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static byte[] fileBytes(TensorInfo info) throws IOException {
    byte[] all = Files.readAllBytes(info.file());
    byte[] out = new byte[(int) info.byteLength()];
    System.arraycopy(all, (int) info.dataStart(), out, 0, out.length);
    return out;
  }

  /**
   * The values of {@code source} that {@code dtype} represents exactly, as F32 (BF16: the high 16 bits,
   * computed here independently of the production code), and their expected bytes on disk.
   */
  private record Expected(float[] values, byte[] bytes) {}

  private Expected representable(NDArray source, TensorDType dtype) {
    float[] v = source.toFloatArray();
    return switch (dtype) {
      case F32 -> new Expected(v, RawSafetensors.floatsLE(v));
      case F16 -> {
        NDArray half = source.toType(DataType.FLOAT16, false);
        yield new Expected(half.toType(DataType.FLOAT32, false).toFloatArray(), bytesOf(half));
      }
      case BF16 -> {
        float[] truncated = new float[v.length];
        int[] bits = new int[v.length];
        for (int i = 0; i < v.length; i++) {
          bits[i] = Float.floatToRawIntBits(v[i]) >>> 16;
          truncated[i] = Float.intBitsToFloat(bits[i] << 16);
        }
        yield new Expected(truncated, RawSafetensors.shortsLE(bits));
      }
    };
  }

  @ParameterizedTest
  @EnumSource(TensorDType.class)
  void roundTripIsBitIdenticalInEachDtype(TensorDType dtype) throws IOException {
    // Values already representable in the target dtype must survive write -> read unchanged.
    Map<String, Expected> expected = new LinkedHashMap<>();
    Map<String, NDArray> tensors = new LinkedHashMap<>();
    for (String name : List.of("layer.weight", "layer.bias")) {
      Shape shape = name.endsWith("weight") ? new Shape(3, 5) : new Shape(5);
      Expected e = representable(awkwardValues(shape), dtype);
      expected.put(name, e);
      NDArray array = manager.create(e.values(), shape);
      // F16 is also written from an F16 array, F32 from F64: any float input dtype is accepted
      tensors.put(name, switch (dtype) {
        case F16 -> array.toType(DataType.FLOAT16, false);
        case F32 -> array.toType(DataType.FLOAT64, false);
        case BF16 -> array;
      });
    }
    CheckpointWriter.write(dir, tensors, dtype, Long.MAX_VALUE, Map.of());

    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      assertEquals(dtype, checkpoint.dominantDType());
      for (String name : tensors.keySet()) {
        TensorInfo info = checkpoint.info(name);
        assertEquals(dtype, info.dtype());
        assertArrayEquals(tensors.get(name).getShape().getShape(), info.shape());
        assertArrayEquals(expected.get(name).bytes(), fileBytes(info), "raw bytes on disk");
        NDArray asF32 = checkpoint.load(name, manager, DataType.FLOAT32);
        assertEquals(DataType.FLOAT32, asF32.getDataType());
        assertEquals(tensors.get(name).getShape(), asF32.getShape());
        assertArrayEquals(expected.get(name).values(), asF32.toFloatArray(), 0f, "values after load");
        if (dtype != TensorDType.BF16) {
          NDArray sameType = checkpoint.load(name, manager, dtype.djl());
          assertEquals(dtype.djl(), sameType.getDataType());
          assertArrayEquals(expected.get(name).bytes(), bytesOf(sameType), "bytes after load in " + dtype);
        }
      }
    }
  }

  @Test
  void bf16ComputeTypeIsRefusedInsteadOfCrashingTheJvm() throws IOException {
    CheckpointWriter.write(dir, Map.of("x", manager.create(new float[] {1})), TensorDType.BF16, 1 << 20, Map.of());
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> checkpoint.load("x", manager, DataType.BFLOAT16));
      assertTrue(e.getMessage().contains("BFLOAT16"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> checkpoint.load("x", manager, DataType.INT32));
    }
  }

  @Test
  void bf16BitPatternsDecodeToTheFloatWithThoseHighBits() throws IOException {
    int[] bits = {0x3F80, 0xC000, 0x4049, 0x8000, 0x0001, 0x7F7F, 0x7F80, 0xFF80, 0x7FC0};
    Path file = RawSafetensors.file(dir.resolve("bf16.safetensors"),
        "{\"x\":{\"dtype\":\"BF16\",\"shape\":[9],\"data_offsets\":[0,18]}}", RawSafetensors.shortsLE(bits));
    try (Checkpoint checkpoint = Checkpoint.open(file)) {
      float[] loaded = checkpoint.load("x", manager, DataType.FLOAT32).toFloatArray();
      float[] expected = {1f, -2f, 3.140625f, -0f, 9.18355e-41f, 3.3895314e38f,
          Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
      for (int i = 0; i < bits.length; i++) {
        assertEquals(Float.intBitsToFloat(bits[i] << 16), expected[i], 1e-45f, "expectation " + i);
        assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(loaded[i]), "element " + i);
      }
    }
  }

  @Test
  void f16BitPatternsDecodeToIeeeHalfValues() throws IOException {
    int[] bits = {0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0xFC00, 0x7E00};
    float[] expected = {1f, -2f, 0.333251953125f, 65504f, 5.9604645e-8f, -0f,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
    Path file = RawSafetensors.file(dir.resolve("f16.safetensors"),
        "{\"x\":{\"dtype\":\"F16\",\"shape\":[3,3],\"data_offsets\":[0,18]}}", RawSafetensors.shortsLE(bits));
    try (Checkpoint checkpoint = Checkpoint.open(file)) {
      NDArray loaded = checkpoint.load("x", manager, DataType.FLOAT32);
      assertEquals(new Shape(3, 3), loaded.getShape());
      float[] values = loaded.toFloatArray();
      for (int i = 0; i < bits.length; i++) {
        assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(values[i]), "element " + i);
      }
    }
  }

  @Test
  void f32ToBf16RoundsToNearestEvenLikePyTorch() throws IOException {
    float tieDown = 1f + 0x1p-8f; // halfway between 0x3F80 and 0x3F81: even is 0x3F80
    float tieUp = 1f + 3 * 0x1p-8f; // halfway between 0x3F81 and 0x3F82: even is 0x3F82
    float aboveTie = 1f + 0x1p-8f + 0x1p-20f; // just above halfway: rounds up to 0x3F81
    float belowTie = 1f + 0x1p-8f - 0x1p-20f; // just below halfway: rounds down to 0x3F80
    NDArray x = manager.create(new float[] {tieDown, tieUp, aboveTie, belowTie, -tieUp});
    CheckpointWriter.write(dir, Map.of("x", x), TensorDType.BF16, Long.MAX_VALUE, Map.of());
    RawSafetensors.Tensor t = RawSafetensors.parse(dir.resolve("model.safetensors")).tensors().get(0);
    assertEquals("BF16", t.dtype());
    ByteBuffer b = ByteBuffer.wrap(t.data()).order(ByteOrder.LITTLE_ENDIAN);
    int[] expected = {0x3F80, 0x3F82, 0x3F81, 0x3F80, 0xBF82};
    for (int e : expected) {
      assertEquals(e, b.getShort() & 0xFFFF);
    }

    // F16 goes through PyTorch's conversion: ties to even as well (ulp at 1.0 is 2^-10)
    NDArray h = manager.create(new float[] {1f + 0x1p-11f, 1f + 3 * 0x1p-11f, 70000f});
    CheckpointWriter.write(dir, Map.of("h", h), TensorDType.F16, Long.MAX_VALUE, Map.of());
    ByteBuffer hb = ByteBuffer.wrap(RawSafetensors.parse(dir.resolve("model.safetensors")).tensors().get(0).data())
        .order(ByteOrder.LITTLE_ENDIAN);
    for (int e : new int[] {0x3C00, 0x3C02, 0x7C00}) {
      assertEquals(e, hb.getShort() & 0xFFFF);
    }
  }

  @Test
  void bf16NarrowingMatchesPyTorchOnSpecialValues() throws IOException {
    // NaN becomes PyTorch's canonical 0x7FC0; huge finite values round up to infinity; subnormals keep bits
    NDArray x = manager.create(new float[] {Float.NaN, Float.intBitsToFloat(0xFFC12345), Float.MAX_VALUE,
        -Float.MAX_VALUE, Float.MIN_VALUE, Float.POSITIVE_INFINITY, -0f});
    CheckpointWriter.write(dir, Map.of("x", x), TensorDType.BF16, Long.MAX_VALUE, Map.of());
    ByteBuffer b = ByteBuffer.wrap(RawSafetensors.parse(dir.resolve("model.safetensors")).tensors().get(0).data())
        .order(ByteOrder.LITTLE_ENDIAN);
    for (int e : new int[] {0x7FC0, 0x7FC0, 0x7F80, 0xFF80, 0x0000, 0x7F80, 0x8000}) {
      assertEquals(e, b.getShort() & 0xFFFF);
    }
  }

  @Test
  void headerIsSortedPaddedAndReadableByAnIndependentParser() throws IOException {
    Map<String, NDArray> tensors = new LinkedHashMap<>();
    tensors.put("z.weight", manager.create(new float[] {1, 2, 3}));
    tensors.put("a.weight", manager.create(new float[][] {{4, 5}, {6, 7}}));
    tensors.put("\u00e9.bias", manager.create(new float[] {8}));
    tensors.put("B.weight", manager.create(new float[] {9, 10}));
    tensors.put("\uD83D\uDE00.x", manager.create(new float[] {11})); // supplementary: sorts after é in UTF-8
    tensors.put("\uFB01.y", manager.create(new float[] {12})); // BMP U+FB01: before the emoji in UTF-8
    CheckpointWriter.write(dir, tensors, TensorDType.F32, Long.MAX_VALUE, Map.of("source", "unit-test"));

    Path file = dir.resolve("model.safetensors");
    RawSafetensors.Parsed parsed = RawSafetensors.parse(file);
    assertEquals(0, parsed.headerLength() % 8, "header length is a multiple of 8");
    String header = parsed.headerText();
    assertTrue(header.stripTrailing().endsWith("}") && header.substring(header.stripTrailing().length()).isBlank());
    assertFalse(header.contains("\n"), "compact JSON as serde_json writes it");
    assertEquals(List.of("__metadata__", "B.weight", "a.weight", "z.weight", "\u00e9.bias", "\uFB01.y", "\uD83D\uDE00.x"),
        parsed.keyOrder());
    assertEquals("pt", parsed.metadata().get("format").textValue());
    assertEquals("unit-test", parsed.metadata().get("source").textValue());
    long expectedOffset = 0;
    for (RawSafetensors.Tensor t : parsed.tensors()) {
      assertEquals(expectedOffset, t.begin(), "data laid out in header order, without gaps");
      expectedOffset = t.end();
      assertArrayEquals(tensors.get(t.name()).toFloatArray(), t.floats(), 0f, t.name());
      assertArrayEquals(tensors.get(t.name()).getShape().getShape(), t.shape());
      assertEquals("F32", t.dtype());
    }
    assertEquals(8 + parsed.headerLength() + expectedOffset, parsed.fileSize());

    try (Checkpoint checkpoint = Checkpoint.open(file)) {
      assertEquals(List.copyOf(parsed.keyOrder().subList(1, 7)), List.copyOf(checkpoint.names()));
      assertEquals("unit-test", checkpoint.metadata().get("source"));
    }
  }

  @Test
  void shardedWriteSplitsGreedilyAndReadsBackTheSameTensors() throws IOException {
    Map<String, NDArray> tensors = new LinkedHashMap<>();
    tensors.put("embed", awkwardValues(new Shape(4, 4))); // 64 bytes
    tensors.put("l0.w", awkwardValues(new Shape(4))); // 16
    tensors.put("l0.b", awkwardValues(new Shape(4))); // 16
    tensors.put("huge", awkwardValues(new Shape(40))); // 160: over the limit, a shard of its own
    tensors.put("norm", awkwardValues(new Shape(2))); // 8
    CheckpointWriter.write(dir, tensors, TensorDType.F32, 96, Map.of());

    List<String> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
        "model-00003-of-00003.safetensors", "model.safetensors.index.json"), files, "no temp files left");
    var index = SafetensorsHeader.JSON.readTree(dir.resolve("model.safetensors.index.json").toFile());
    assertEquals(64 + 16 + 16 + 160 + 8, index.get("metadata").get("total_size").longValue());
    assertEquals("model-00001-of-00003.safetensors", index.get("weight_map").get("l0.b").textValue());
    assertEquals("model-00002-of-00003.safetensors", index.get("weight_map").get("huge").textValue());
    assertEquals("model-00003-of-00003.safetensors", index.get("weight_map").get("norm").textValue());

    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      assertEquals(List.of("embed", "l0.b", "l0.w", "huge", "norm"), List.copyOf(checkpoint.names()));
      for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
        NDArray loaded = checkpoint.load(e.getKey(), manager, DataType.FLOAT32);
        assertArrayEquals(bytesOf(e.getValue()), bytesOf(loaded), e.getKey());
        assertEquals(e.getValue().getShape(), loaded.getShape());
      }
    }
    try (Checkpoint viaIndex = Checkpoint.open(dir.resolve("model.safetensors.index.json"))) {
      assertEquals(5, viaIndex.names().size());
    }

    // Saving again as a single file into the same directory must not leave the old shards visible.
    CheckpointWriter.write(dir, Map.of("only", tensors.get("norm")), TensorDType.BF16, Long.MAX_VALUE, Map.of());
    try (Stream<Path> list = Files.list(dir)) {
      assertEquals(List.of("model.safetensors"), list.map(p -> p.getFileName().toString()).toList());
    }
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      assertEquals(List.of("only"), List.copyOf(checkpoint.names()));
    }
  }

  @Test
  void tensorsBiggerThanOneChunkAreReadAndWrittenInPieces() throws IOException {
    // chunk sizes of 12 bytes force the multi-map path (reserved for > 1 GiB tensors) on tiny tensors,
    // with a remainder chunk, across a dtype conversion
    NDArray matrix = awkwardValues(new Shape(3, 7));
    NDArray vector = awkwardValues(new Shape(11));
    Map<String, NDArray> tensors = new LinkedHashMap<>();
    tensors.put("matrix", matrix);
    tensors.put("vector", vector);
    CheckpointWriter.write(dir, tensors, TensorDType.BF16, Long.MAX_VALUE, Map.of(), 12);
    Path chunkedFile = dir.resolve("model.safetensors");
    Path reference = dir.resolve("ref");
    CheckpointWriter.write(reference, tensors, TensorDType.BF16, Long.MAX_VALUE, Map.of());
    assertArrayEquals(Files.readAllBytes(reference.resolve("model.safetensors")), Files.readAllBytes(chunkedFile));

    try (Checkpoint chunked = Checkpoint.open(chunkedFile, 12);
        Checkpoint whole = Checkpoint.open(chunkedFile)) {
      for (String name : tensors.keySet()) {
        NDArray a = chunked.load(name, manager, DataType.FLOAT32);
        NDArray b = whole.load(name, manager, DataType.FLOAT32);
        assertEquals(tensors.get(name).getShape(), a.getShape());
        assertArrayEquals(b.toFloatArray(), a.toFloatArray(), 0f, name);
        assertArrayEquals(bytesOf(chunked.load(name, manager, DataType.FLOAT16)),
            bytesOf(whole.load(name, manager, DataType.FLOAT16)));
      }
    }
  }

  @Test
  void nonContiguousArraysAreWrittenInLogicalOrder() throws IOException {
    NDArray base = manager.create(new float[][] {{1, 2, 3}, {4, 5, 6}});
    NDArray transposed = base.transpose();
    CheckpointWriter.write(dir, Map.of("t", transposed), TensorDType.F32, Long.MAX_VALUE, Map.of());
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      NDArray loaded = checkpoint.load("t", manager, DataType.FLOAT32);
      assertEquals(new Shape(3, 2), loaded.getShape());
      assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, loaded.toFloatArray());
    }
  }

  @Test
  void loadedArraysAreIndependentOfTheClosedFile() throws IOException {
    NDArray x = manager.create(new float[] {1, 2, 3, 4});
    CheckpointWriter.write(dir, Map.of("x", x), TensorDType.F32, Long.MAX_VALUE, Map.of());
    List<NDArray> loaded = new ArrayList<>();
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      loaded.add(checkpoint.load("x", manager, DataType.FLOAT32)); // same dtype: must be a copy, not a view
      loaded.add(checkpoint.load("x", manager, DataType.FLOAT16));
    }
    Files.delete(dir.resolve("model.safetensors"));
    System.gc();
    for (NDArray a : loaded) {
      a.addi(a); // writing into a read-only file mapping would kill the JVM
      assertArrayEquals(new float[] {2, 4, 6, 8}, a.toType(DataType.FLOAT32, false).toFloatArray());
    }
  }

  @Test
  void scalarsAndEmptyTensorsRoundTrip() throws IOException {
    Map<String, NDArray> tensors = new LinkedHashMap<>();
    tensors.put("scalar", manager.create(2.5f));
    tensors.put("empty", manager.create(new Shape(0, 3), DataType.FLOAT32));
    CheckpointWriter.write(dir, tensors, TensorDType.F16, Long.MAX_VALUE, Map.of());
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      assertArrayEquals(new long[0], checkpoint.info("scalar").shape());
      assertEquals(2.5f, checkpoint.load("scalar", manager, DataType.FLOAT32).getFloat());
      NDArray empty = checkpoint.load("empty", manager, DataType.FLOAT32);
      assertEquals(new Shape(0, 3), empty.getShape());
      assertEquals(0, checkpoint.info("empty").byteLength());
    }
  }

  @Test
  void dominantDTypeIsTheOneHoldingMostBytes() throws IOException {
    String header = "{\"small\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"big\":{\"dtype\":\"BF16\",\"shape\":[8],\"data_offsets\":[8,24]}}";
    Path file = RawSafetensors.file(dir.resolve("mixed.safetensors"), header, new byte[24]);
    try (Checkpoint checkpoint = Checkpoint.open(file)) {
      assertEquals(TensorDType.BF16, checkpoint.dominantDType());
      assertEquals(List.of("small", "big"), List.copyOf(checkpoint.names()), "file order, not header order");
      assertTrue(checkpoint.contains("big"));
      assertFalse(checkpoint.contains("missing"));
      CheckpointException e = assertThrows(CheckpointException.class, () -> checkpoint.info("missing"));
      assertTrue(e.getMessage().contains("mixed.safetensors") && e.getMessage().contains("\"missing\""),
          e.getMessage());
    }
  }

  @Test
  void requireFiniteRejectsNanAndInfinityWithCounts() throws IOException {
    Checkpoint.requireFinite(manager.create(new float[] {1, -2, 3e38f}), "fine");
    NDArray bad = manager.create(new float[] {1, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> Checkpoint.requireFinite(bad, "layers.3.mlp"));
    assertTrue(e.getMessage().contains("layers.3.mlp") && e.getMessage().contains("1 NaN")
        && e.getMessage().contains("2 infinite"), e.getMessage());

    CheckpointWriter.write(dir, Map.of("bad", bad), TensorDType.BF16, Long.MAX_VALUE, Map.of());
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      CheckpointException ce = assertThrows(CheckpointException.class,
          () -> checkpoint.loadFinite("bad", manager, DataType.FLOAT32));
      assertTrue(ce.getMessage().contains("model.safetensors") && ce.getMessage().contains("NaN"), ce.getMessage());
    }
  }

  @Test
  void copyModelFilesCopiesOnlyTheKnownModelFiles() throws IOException {
    Path from = Files.createDirectories(dir.resolve("from"));
    Files.writeString(from.resolve("config.json"), "{\"model_type\":\"llama\"}");
    Files.writeString(from.resolve("tokenizer.json"), "{}");
    Files.writeString(from.resolve("chat_template.jinja"), "{{ messages }}");
    Files.writeString(from.resolve("notes.txt"), "not a model file");
    Path to = dir.resolve("out/model");
    List<String> copied = CheckpointWriter.copyModelFiles(from, to);
    assertEquals(List.of("config.json", "tokenizer.json", "chat_template.jinja"), copied);
    assertEquals("{\"model_type\":\"llama\"}", Files.readString(to.resolve("config.json")));
    assertFalse(Files.exists(to.resolve("notes.txt")));
    try (Stream<Path> list = Files.list(to)) {
      assertEquals(3, list.count(), "no temp files left");
    }
  }

  @Test
  void copyModelFilesNeverFollowsALink() throws IOException {
    Path secret = Files.writeString(dir.resolve("secret.key"), "SECRET-KEY-MATERIAL");
    Path from = Files.createDirectories(dir.resolve("linked"));
    Files.writeString(from.resolve("config.json"), "{\"model_type\":\"llama\"}");
    Files.createSymbolicLink(from.resolve("special_tokens_map.json"), secret);
    Path to = dir.resolve("out/linked");

    CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointWriter.copyModelFiles(from, to));
    assertTrue(e.getMessage().endsWith("special_tokens_map.json: is a symbolic link; links in a model directory are"
        + " not followed"), e.getMessage());
    assertFalse(Files.exists(to.resolve("special_tokens_map.json"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    try (Stream<Path> files = Files.walk(to)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        assertFalse(Files.readString(file).contains("SECRET"), file + " holds the link's target");
      }
    }
  }

  @Test
  void aFailedWriteLeavesThePreviousCheckpointIntactAndNoTempFiles() throws IOException {
    CheckpointWriter.write(dir, Map.of("x", manager.create(new float[] {1, 2})), TensorDType.F32, 1 << 20, Map.of());
    byte[] before = Files.readAllBytes(dir.resolve("model.safetensors"));

    NDArray closed = manager.create(new float[] {3, 4});
    closed.close();
    Map<String, NDArray> tensors = new LinkedHashMap<>();
    tensors.put("a", manager.create(new float[] {5, 6}));
    tensors.put("b", closed); // fails while the new file is half written
    assertThrows(RuntimeException.class, () -> CheckpointWriter.write(dir, tensors, TensorDType.F32, 1 << 20, Map.of()));

    try (Stream<Path> list = Files.list(dir)) {
      assertEquals(List.of("model.safetensors"), list.map(p -> p.getFileName().toString()).toList());
    }
    assertArrayEquals(before, Files.readAllBytes(dir.resolve("model.safetensors")));

    assertThrows(IllegalArgumentException.class, () -> CheckpointWriter.write(dir,
        Map.of("ids", manager.create(new int[] {1})), TensorDType.F32, 1 << 20, Map.of()));
    assertThrows(IllegalArgumentException.class, () -> CheckpointWriter.write(dir,
        Map.of("__metadata__", manager.create(new float[] {1})), TensorDType.F32, 1 << 20, Map.of()));
  }

  @Test
  void loadAfterCloseIsACheckpointException() {
    CheckpointWriter.write(dir, Map.of("x", manager.create(new float[] {1})), TensorDType.F32, 1 << 20, Map.of());
    Checkpoint checkpoint = Checkpoint.open(dir);
    checkpoint.close();
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> checkpoint.load("x", manager, DataType.FLOAT32));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
  }
}
