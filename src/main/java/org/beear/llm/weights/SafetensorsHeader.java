package org.beear.llm.weights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated header of one .safetensors file: every check that protects the reader from a hostile or
 * broken file happens here, before any data is mapped.
 *
 * @param tensors in file order (by data offset)
 */
record SafetensorsHeader(Path file, long headerLength, List<TensorInfo> tensors, Map<String, String> metadata) {

  /** Real headers are kilobytes to a few MiB; anything past this is an attack or corruption, not a model. */
  static final long MAX_HEADER_BYTES = 100L << 20;

  static final String METADATA_KEY = "__metadata__";

  /** Rejects duplicate names and trailing garbage, which Jackson would otherwise silently accept. */
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  static SafetensorsHeader read(Path file, FileChannel channel) {
    try {
      long fileSize = channel.size();
      if (fileSize < 8) {
        throw new CheckpointException(
            file, "file is " + fileSize + " bytes, shorter than the 8-byte safetensors header length");
      }
      ByteBuffer lengthBytes = readFully(channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN);
      long headerLength = lengthBytes.getLong(0);
      if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
        throw new CheckpointException(
            file,
            "header length " + Long.toUnsignedString(headerLength) + " exceeds the cap of "
                + MAX_HEADER_BYTES + " bytes: not a safetensors file or corrupt");
      }
      if (headerLength > fileSize - 8) {
        throw new CheckpointException(
            file,
            "header length " + headerLength + " runs past the end of the file (" + fileSize + " bytes)");
      }
      String json = decodeUtf8(file, readFully(channel, 8, (int) headerLength));
      long dataStart = 8 + headerLength;
      return parse(file, json, dataStart, fileSize - dataStart);
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read safetensors header", e);
    }
  }

  private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, position + buffer.position());
      if (n < 0) {
        throw new IOException("unexpected end of file at offset " + (position + buffer.position()));
      }
    }
    return buffer.flip();
  }

  private static String decodeUtf8(Path file, ByteBuffer bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes)
          .toString();
    } catch (CharacterCodingException e) {
      throw new CheckpointException(file, "header is not valid UTF-8", e);
    }
  }

  private static SafetensorsHeader parse(Path file, String json, long dataStart, long dataLength) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new CheckpointException(file, "header is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointException(file, "header must be a JSON object");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    List<TensorInfo> tensors = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (field.getKey().equals(METADATA_KEY)) {
        metadata.putAll(parseMetadata(file, field.getValue()));
      } else {
        tensors.add(parseTensor(file, field.getKey(), field.getValue(), dataStart, dataLength));
      }
    }
    tensors.sort(Comparator.comparingLong(TensorInfo::dataStart).thenComparing(TensorInfo::name));
    requireNoOverlap(file, tensors);
    return new SafetensorsHeader(file, dataStart - 8, List.copyOf(tensors), Map.copyOf(metadata));
  }

  private static Map<String, String> parseMetadata(Path file, JsonNode node) {
    if (!node.isObject()) {
      throw new CheckpointException(file, METADATA_KEY + " must be an object of strings");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    node.fields()
        .forEachRemaining(
            e -> {
              if (!e.getValue().isTextual()) {
                throw new CheckpointException(
                    file, METADATA_KEY + " value of \"" + e.getKey() + "\" must be a string");
              }
              metadata.put(e.getKey(), e.getValue().textValue());
            });
    return metadata;
  }

  private static TensorInfo parseTensor(
      Path file, String name, JsonNode node, long dataStart, long dataLength) {
    String where = "tensor \"" + name + "\": ";
    if (!node.isObject()) {
      throw new CheckpointException(file, where + "entry must be an object");
    }
    JsonNode dtypeNode = node.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new CheckpointException(file, where + "\"dtype\" must be a string");
    }
    TensorDType dtype;
    try {
      dtype = TensorDType.parse(dtypeNode.textValue());
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(file, where + e.getMessage());
    }
    long[] shape = longArray(file, where, node.get("shape"), "shape", -1);
    long[] offsets = longArray(file, where, node.get("data_offsets"), "data_offsets", 2);
    long elements;
    long expectedBytes;
    try {
      elements = TensorInfo.elementCount(shape);
      expectedBytes = Math.multiplyExact(elements, dtype.bytes());
    } catch (ArithmeticException e) {
      throw new CheckpointException(file, where + "shape " + Arrays.toString(shape) + " overflows");
    }
    long begin = offsets[0];
    long end = offsets[1];
    if (end < begin) {
      throw new CheckpointException(file, where + "data_offsets [" + begin + ", " + end + "] are reversed");
    }
    if (end > dataLength) {
      throw new CheckpointException(
          file,
          where + "data_offsets [" + begin + ", " + end + "] run past the end of the data ("
              + dataLength + " bytes)");
    }
    if (end - begin != expectedBytes) {
      throw new CheckpointException(
          file,
          where + "data_offsets span " + (end - begin) + " bytes but " + dtype + " shape "
              + Arrays.toString(shape) + " needs " + expectedBytes);
    }
    return new TensorInfo(name, dtype, shape, file, dataStart + begin, end - begin);
  }

  /** Non-negative integers only; {@code requiredLength} -1 means any length. */
  private static long[] longArray(Path file, String where, JsonNode node, String key, int requiredLength) {
    if (node == null || !node.isArray()) {
      throw new CheckpointException(file, where + "\"" + key + "\" must be an array of integers");
    }
    if (requiredLength >= 0 && node.size() != requiredLength) {
      throw new CheckpointException(
          file, where + "\"" + key + "\" must have " + requiredLength + " entries, has " + node.size());
    }
    long[] values = new long[node.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong()) {
        throw new CheckpointException(
            file, where + "\"" + key + "\" entry " + v + " is not an integer that fits in 64 bits");
      }
      values[i] = v.longValue();
      if (values[i] < 0) {
        throw new CheckpointException(file, where + "\"" + key + "\" entry " + values[i] + " is negative");
      }
    }
    return values;
  }

  /** Tensors sorted by start; empty tensors occupy no bytes and cannot overlap anything. */
  private static void requireNoOverlap(Path file, List<TensorInfo> sorted) {
    TensorInfo previous = null;
    for (TensorInfo t : sorted) {
      if (t.byteLength() == 0) {
        continue;
      }
      if (previous != null && t.dataStart() < previous.dataStart() + previous.byteLength()) {
        throw new CheckpointException(
            file,
            "tensor \"" + t.name() + "\" overlaps tensor \"" + previous.name() + "\" in the data section");
      }
      previous = t;
    }
  }
}
