package org.beear.llm.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Test-side safetensors handling that shares no code with the production reader/writer: it builds files
 * byte by byte (including broken ones) and parses files with a plain ByteBuffer + Jackson.
 */
final class RawSafetensors {

  private RawSafetensors() {}

  /** Writes length prefix + header (unpadded, as given) + data. */
  static Path file(Path path, String headerJson, byte[] data) throws IOException {
    byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
    return file(path, header.length, header, data);
  }

  /** Writes a file with an arbitrary (possibly lying) header length prefix. */
  static Path file(Path path, long declaredHeaderLength, byte[] header, byte[] data) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putLong(declaredHeaderLength).put(header).put(data);
    Files.write(path, buffer.array());
    return path;
  }

  static byte[] shortsLE(int... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putShort((short) v);
    }
    return b.array();
  }

  static byte[] floatsLE(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  /** One tensor as an independent reader sees it. */
  record Tensor(String name, String dtype, long[] shape, long begin, long end, byte[] data) {
    float[] floats() {
      ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
      float[] out = new float[data.length / 4];
      for (int i = 0; i < out.length; i++) {
        out[i] = b.getFloat();
      }
      return out;
    }
  }

  /** What an independent reader finds in a file: raw header text, key order, tensors. */
  record Parsed(long headerLength, String headerText, List<String> keyOrder, JsonNode metadata,
      List<Tensor> tensors, long fileSize) {}

  static Parsed parse(Path path) throws IOException {
    byte[] bytes = Files.readAllBytes(path);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long n = b.getLong();
    String headerText = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    JsonNode root = new ObjectMapper().readTree(headerText);
    List<String> keys = new ArrayList<>();
    List<Tensor> tensors = new ArrayList<>();
    Iterator<String> it = root.fieldNames();
    while (it.hasNext()) {
      String key = it.next();
      keys.add(key);
      if (key.equals("__metadata__")) {
        continue;
      }
      JsonNode t = root.get(key);
      long[] shape = new long[t.get("shape").size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = t.get("shape").get(i).longValue();
      }
      long begin = t.get("data_offsets").get(0).longValue();
      long end = t.get("data_offsets").get(1).longValue();
      byte[] data = new byte[(int) (end - begin)];
      System.arraycopy(bytes, (int) (8 + n + begin), data, 0, data.length);
      tensors.add(new Tensor(key, t.get("dtype").textValue(), shape, begin, end, data));
    }
    return new Parsed(n, headerText, keys, root.get("__metadata__"), tensors, bytes.length);
  }
}
