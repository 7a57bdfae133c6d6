package org.beear.llm.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes one .safetensors file exactly as the Python {@code safetensors} library lays it out for a single
 * dtype: compact JSON header with {@code __metadata__} first and tensors sorted by name (UTF-8 byte order,
 * as Rust compares strings), padded with spaces to a multiple of 8, then the data in header order.
 */
final class SafetensorsFileWriter {

  /** Rust's {@code String} ordering: unsigned UTF-8 bytes, which differs from Java's UTF-16 compareTo. */
  static final Comparator<String> UTF8_ORDER =
      (a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  /** Off-heap scratch for BF16 narrowing: large enough for efficient writes, small enough to reuse freely. */
  private static final long NARROW_BLOCK_BYTES = 8L << 20;

  private SafetensorsFileWriter() {}

  /**
   * One tensor to write in {@code dtype}: from an array (converted), or the stored bytes of a tensor of another
   * checkpoint copied as they are ({@code raw}, whose dtype it keeps). {@code byteLength} is in the target dtype.
   */
  record Entry(String name, java.util.function.Supplier<NDArray> array, boolean closeAfterWrite, TensorInfo raw,
      TensorDType dtype, long[] shape, long byteLength) {}

  static Entry entry(String name, NDArray array, TensorDType dtype) {
    long[] shape = array.getShape().getShape();
    return new Entry(name, () -> array, false, null, dtype, shape,
        Math.multiplyExact(TensorInfo.elementCount(shape), (long) dtype.bytes()));
  }

  /** An array made only when its bytes are written, and closed right after: one tensor in memory at a time. */
  static Entry lazy(String name, java.util.function.Supplier<NDArray> array, TensorDType dtype, long[] shape) {
    return new Entry(name, array, true, null, dtype, shape.clone(),
        Math.multiplyExact(TensorInfo.elementCount(shape), (long) dtype.bytes()));
  }

  static Entry copy(String name, TensorInfo raw) {
    return new Entry(name, null, false, raw, raw.dtype(), raw.shape(), raw.byteLength());
  }

  /** Writes {@code entries} (any order) to {@code file}, which must be new (a temp file), and forces it to disk. */
  static void write(Path file, List<Entry> entries, Map<String, String> metadata, long chunkBytes)
      throws IOException {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing(Entry::name, UTF8_ORDER));
    byte[] header = header(sorted, metadata);
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.CREATE)) {
      ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
      writeFully(out, length);
      writeFully(out, ByteBuffer.wrap(header));
      for (Entry e : sorted) {
        long written;
        if (e.raw() != null) {
          written = copyData(out, e.raw());
        } else {
          NDArray array = e.array().get();
          try {
            if (!java.util.Arrays.equals(array.getShape().getShape(), e.shape())) {
              throw new IllegalStateException("tensor \"" + e.name() + "\" has shape " + array.getShape()
                  + ", expected " + java.util.Arrays.toString(e.shape()));
            }
            written = writeData(out, array, e.dtype(), chunkBytes);
          } finally {
            if (e.closeAfterWrite()) {
              array.close();
            }
          }
        }
        if (written != e.byteLength()) {
          throw new IllegalStateException(
              "tensor \"" + e.name() + "\" produced " + written + " bytes, expected " + e.byteLength());
        }
      }
      out.force(true);
    }
  }

  /** The header bytes, already padded with spaces to a multiple of 8 as the reference writer does. */
  static byte[] header(List<Entry> sortedEntries, Map<String, String> metadata) {
    ObjectNode root = SafetensorsHeader.JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
      new TreeMap<>(metadata).forEach(meta::put);
    }
    long offset = 0;
    for (Entry e : sortedEntries) {
      ObjectNode t = root.putObject(e.name());
      t.put("dtype", e.dtype().safetensorsName());
      ArrayNode shape = t.putArray("shape");
      for (long d : e.shape()) {
        shape.add(d);
      }
      ArrayNode offsets = t.putArray("data_offsets");
      offsets.add(offset);
      offsets.add(offset + e.byteLength());
      offset += e.byteLength();
    }
    byte[] json;
    try {
      json = SafetensorsHeader.JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    int padded = (json.length + 7) / 8 * 8;
    byte[] header = Arrays.copyOf(json, padded);
    Arrays.fill(header, json.length, padded, (byte) ' ');
    return header;
  }

  /**
   * Streams one tensor's bytes in {@code dtype} from PyTorch's memory to the file, at most {@code chunkBytes}
   * per direct view (a Java buffer cannot exceed 2 GiB). F32/F16 are converted by PyTorch and written as
   * they lie in memory; BF16 is narrowed from F32 in Java (DJL cannot hold BF16) through a small reusable
   * off-heap buffer. Temporaries live in a scratch manager so nothing stays attached to the caller's (often
   * long-lived) model manager.
   */
  private static long writeData(FileChannel out, NDArray array, TensorDType dtype, long chunkBytes)
      throws IOException {
    long written = 0;
    boolean narrowToBf16 = dtype == TensorDType.BF16;
    DataType heldType = narrowToBf16 ? DataType.FLOAT32 : dtype.djl();
    try (NDManager scratch = array.getManager().newSubManager()) {
      // copy=true always yields a new handle (a conversion, or an alias of the same storage) we may attach
      NDArray converted = array.toType(heldType, true);
      converted.attach(scratch);
      // a flat contiguous layout: a view when the array already is contiguous, else PyTorch copies
      NDArray flat = converted.reshape(new Shape(-1));
      long elements = flat.size();
      long chunkElements = Math.max(1, Math.min(chunkBytes, narrowToBf16 ? NARROW_BLOCK_BYTES : chunkBytes)
          / heldType.getNumOfBytes());
      ByteBuffer narrowed = narrowToBf16 ? ByteBuffer.allocateDirect((int) (chunkElements * 2)) : null;
      for (long start = 0; start < elements; start += chunkElements) {
        long end = Math.min(elements, start + chunkElements);
        NDArray piece = (start == 0 && end == elements) ? flat : flat.get(new NDIndex().addSliceDim(start, end));
        ByteBuffer bytes = piece.toByteBuffer(true);
        if (narrowToBf16) {
          int count = (int) (end - start);
          Bfloat16.narrow(bytes, count, narrowed);
          bytes = narrowed.clear().limit(count * 2);
        }
        written += writeFully(out, bytes);
        if (piece != flat) {
          piece.close();
        }
      }
    }
    return written;
  }

  /** The stored bytes of a tensor of another file, unchanged (the file is re-checked for truncation first). */
  private static long copyData(FileChannel out, TensorInfo t) throws IOException {
    try (FileChannel in = FileChannel.open(t.file(), StandardOpenOption.READ)) {
      if (in.size() < t.dataStart() + t.byteLength()) {
        throw new IOException(t.file() + " shrank since it was opened; tensor \"" + t.name() + "\" is cut off");
      }
      long done = 0;
      while (done < t.byteLength()) {
        long n = in.transferTo(t.dataStart() + done, t.byteLength() - done, out);
        if (n <= 0) {
          throw new IOException("could not copy tensor \"" + t.name() + "\" from " + t.file());
        }
        done += n;
      }
      return done;
    }
  }

  private static long writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
    long n = buffer.remaining();
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
    return n;
  }
}
