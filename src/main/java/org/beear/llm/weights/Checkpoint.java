package org.beear.llm.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Hugging Face safetensors checkpoint opened for reading: one {@code model.safetensors}, or shards listed
 * by {@code model.safetensors.index.json}. Opening parses and validates every header; tensor data is only
 * touched by {@link #load}, through read-only memory maps, so checkpoints of any size open instantly.
 * A directory holding both an index and a model.safetensors is read through the index.
 *
 * <p>Loads may run concurrently; {@link #close} must not race with them.
 */
public final class Checkpoint implements AutoCloseable {

  static final String SINGLE_FILE_NAME = "model.safetensors";

  /** A map call or ByteBuffer is limited to 2 GiB - 1; bigger tensors are copied in pieces of this size. */
  static final long DEFAULT_CHUNK_BYTES = 1L << 30;

  static {
    // Safetensors data is little-endian and is handed to PyTorch as raw memory, without byte swapping.
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new ExceptionInInitializerError("safetensors loading needs a little-endian CPU");
    }
  }

  private final Path source;
  private final Map<String, TensorInfo> tensors;
  private final Map<Path, FileChannel> channels;
  private final Map<String, String> metadata;
  private final TensorDType dominantDType;
  private final long chunkBytes;
  private volatile boolean closed;

  private Checkpoint(
      Path source,
      Map<String, TensorInfo> tensors,
      Map<Path, FileChannel> channels,
      Map<String, String> metadata,
      long chunkBytes) {
    this.source = source;
    this.tensors = Collections.unmodifiableMap(tensors);
    this.channels = channels;
    this.metadata = metadata;
    this.dominantDType = dominant(tensors.values());
    this.chunkBytes = chunkBytes;
  }

  /**
   * Opens a model directory (its {@code model.safetensors.index.json} if present, else its {@code
   * model.safetensors}), an index file, or a single {@code .safetensors} file.
   */
  public static Checkpoint open(Path modelDir) {
    return open(modelDir, DEFAULT_CHUNK_BYTES);
  }

  /** {@code chunkBytes} is exposed to tests so the multi-chunk path runs on tiny tensors. */
  static Checkpoint open(Path path, long chunkBytes) {
    if (Files.isDirectory(path)) {
      Path index = path.resolve(ShardIndex.FILE_NAME);
      Path single = path.resolve(SINGLE_FILE_NAME);
      if (Files.isRegularFile(index)) {
        return openSharded(index, chunkBytes);
      }
      if (Files.isRegularFile(single)) {
        return openSingle(single, chunkBytes);
      }
      throw new CheckpointException(
          path, "directory has neither " + SINGLE_FILE_NAME + " nor " + ShardIndex.FILE_NAME);
    }
    if (Files.isRegularFile(path)) {
      String name = path.getFileName().toString();
      if (name.endsWith(".index.json")) {
        return openSharded(path, chunkBytes);
      }
      if (name.endsWith(".safetensors")) {
        return openSingle(path, chunkBytes);
      }
      throw new CheckpointException(path, "not a .safetensors file, an index .json file or a model directory");
    }
    throw new CheckpointException(path, "no such file or directory");
  }

  private static Checkpoint openSingle(Path file, long chunkBytes) {
    Map<Path, FileChannel> channels = new LinkedHashMap<>();
    try {
      SafetensorsHeader header = SafetensorsHeader.read(file, openChannel(file, channels));
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      header.tensors().forEach(t -> tensors.put(t.name(), t));
      return new Checkpoint(file, tensors, channels, header.metadata(), chunkBytes);
    } catch (RuntimeException e) {
      closeAll(channels.values());
      throw e;
    }
  }

  private static Checkpoint openSharded(Path indexFile, long chunkBytes) {
    ShardIndex index = ShardIndex.read(indexFile);
    Map<Path, FileChannel> channels = new LinkedHashMap<>();
    try {
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      // Shard names sort in file order (model-00001-of-..., model-00002-of-...).
      for (Path shard : new TreeSet<>(index.weightMap().values())) {
        if (!Files.isRegularFile(shard)) {
          throw new CheckpointException(indexFile, "index names shard " + shard.getFileName() + ", which does not exist");
        }
        SafetensorsHeader header = SafetensorsHeader.read(shard, openChannel(shard, channels));
        if (metadata.isEmpty()) {
          metadata.putAll(header.metadata());
        }
        for (TensorInfo t : header.tensors()) {
          TensorInfo earlier = tensors.putIfAbsent(t.name(), t);
          if (earlier != null) {
            throw new CheckpointException(
                shard,
                "tensor \"" + t.name() + "\" is also stored in " + earlier.file().getFileName()
                    + ": duplicate tensor name across shards");
          }
        }
      }
      index.weightMap().forEach((name, shard) -> {
        TensorInfo t = tensors.get(name);
        if (t == null || !t.file().equals(shard)) {
          throw new CheckpointException(
              indexFile,
              "index maps tensor \"" + name + "\" to " + shard.getFileName() + ", but that shard has no such tensor");
        }
      });
      return new Checkpoint(indexFile, tensors, channels, Map.copyOf(metadata), chunkBytes);
    } catch (RuntimeException e) {
      closeAll(channels.values());
      throw e;
    }
  }

  private static FileChannel openChannel(Path file, Map<Path, FileChannel> channels) {
    try {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
      channels.put(file, channel);
      return channel;
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot open for reading", e);
    }
  }

  /** The file or index this checkpoint was opened from. */
  public Path source() {
    return source;
  }

  /** Tensor names in file order (shard by shard, then by data offset). */
  public Set<String> names() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(tensors.keySet()));
  }

  /** All tensor descriptions in file order. */
  public List<TensorInfo> tensors() {
    return List.copyOf(tensors.values());
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** Where a tensor is stored; a CheckpointException naming the checkpoint and tensor if there is none. */
  public TensorInfo info(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new CheckpointException(source, "has no tensor \"" + name + "\"");
    }
    return t;
  }

  /** The {@code __metadata__} of the (first) file, e.g. {"format": "pt"}. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The dtype most bytes are stored in, so a cleansed model can be saved as it came; F32 if empty. */
  public TensorDType dominantDType() {
    return dominantDType;
  }

  /**
   * Copies one tensor into a new NDArray of {@code computeType}, owned by PyTorch and independent of the
   * file (closing the checkpoint does not affect it).
   *
   * <p>Data goes from the read-only map straight into PyTorch's memory, viewed as a direct ByteBuffer: a
   * memcpy for F32/F16, a widening loop for BF16 (which DJL cannot hold, see {@link Bfloat16}); never
   * through the Java heap. Tensors over the chunk size (1 GiB) are copied a chunk at a time, since one map
   * or buffer cannot exceed 2 GiB. A final {@code toType} converts to the compute type if it differs.
   *
   * @param computeType FLOAT32, FLOAT16 or FLOAT64; BFLOAT16 is refused because DJL 0.35.1 aborts the JVM
   *     on any BFLOAT16 array
   */
  public NDArray load(String name, NDManager manager, DataType computeType) {
    if (!computeType.isFloating() || computeType == DataType.BFLOAT16) {
      throw new IllegalArgumentException(
          "compute type must be FLOAT32, FLOAT16 or FLOAT64 (DJL cannot hold BFLOAT16), got " + computeType);
    }
    TensorInfo t = info(name);
    FileChannel channel = channel(t.file());
    try {
      // A file truncated after opening would turn the mapped read into a SIGBUS that kills the JVM.
      if (channel.size() < t.dataStart() + t.byteLength()) {
        throw new CheckpointException(t.file(), "file shrank since it was opened; tensor \"" + name + "\" is cut off");
      }
      NDArray result;
      if (t.elementCount() == 0) {
        result = manager.zeros(new Shape(t.shape()), computeType);
      } else {
        DataType heldType = t.dtype() == TensorDType.BF16 ? DataType.FLOAT32 : t.dtype().djl();
        NDArray held = copyIntoNative(channel, t, manager, heldType);
        if (heldType == computeType) {
          result = held;
        } else {
          result = held.toType(computeType, false);
          held.close();
        }
      }
      result.setName(name);
      return result;
    } catch (IOException e) {
      throw new CheckpointException(t.file(), "cannot read tensor \"" + name + "\"", e);
    }
  }

  /** Fills a fresh flat PyTorch array chunk by chunk from the mapped file, then gives it the tensor's shape. */
  private NDArray copyIntoNative(FileChannel channel, TensorInfo t, NDManager manager, DataType heldType)
      throws IOException {
    long elements = t.elementCount();
    int storedBytes = t.dtype().bytes();
    // both the map of the stored bytes and the view of the held (maybe wider) bytes stay within a chunk
    long chunkElements = Math.max(1, chunkBytes / Math.max(storedBytes, heldType.getNumOfBytes()));
    try (NDArray flat = manager.create(new Shape(elements), heldType)) {
      for (long start = 0; start < elements; start += chunkElements) {
        long count = Math.min(chunkElements, elements - start);
        boolean whole = start == 0 && count == elements;
        NDArray window = whole ? flat : flat.get(new NDIndex().addSliceDim(start, start + count));
        try {
          // a contiguous window, so this is a writable view of PyTorch's memory, not a copy
          ByteBuffer target = window.toByteBuffer(true);
          MappedByteBuffer source =
              MappedRegions.map(channel, t.dataStart() + start * storedBytes, count * storedBytes);
          try {
            if (t.dtype() == TensorDType.BF16) {
              Bfloat16.widen(source, target);
            } else {
              target.put(source);
            }
          } finally {
            MappedRegions.unmap(source);
          }
        } finally {
          if (!whole) {
            window.close();
          }
        }
      }
      // a view sharing flat's storage, which outlives closing the flat handle
      return flat.reshape(new Shape(t.shape()));
    }
  }

  private FileChannel channel(Path file) {
    if (closed) {
      throw new CheckpointException(source, "checkpoint is closed");
    }
    return channels.get(file);
  }

  /**
   * Throws if any value is NaN or infinite, naming the tensor and counting the bad values: a checkpoint
   * that carries them would poison every forward pass.
   */
  public static void requireFinite(NDArray array, String name) {
    if (!array.getDataType().isFloating()) {
      return;
    }
    long nan;
    long inf;
    try (NDArray isNan = array.isNaN();
        NDArray nanCount = isNan.countNonzero();
        NDArray isInf = array.isInfinite();
        NDArray infCount = isInf.countNonzero()) {
      nan = nanCount.getLong();
      inf = infCount.getLong();
    }
    if (nan + inf > 0) {
      throw new IllegalStateException(
          "tensor \"" + name + "\" has " + nan + " NaN and " + inf + " infinite values out of " + array.size());
    }
  }

  /** {@link #load} followed by {@link #requireFinite}, reported as a CheckpointException naming the file. */
  public NDArray loadFinite(String name, NDManager manager, DataType computeType) {
    NDArray array = load(name, manager, computeType);
    try {
      requireFinite(array, name);
      return array;
    } catch (IllegalStateException e) {
      array.close();
      throw new CheckpointException(info(name).file(), e.getMessage());
    }
  }

  /** Closes the files. Arrays already loaded stay valid: they never point into the files. */
  @Override
  public void close() {
    closed = true;
    closeAll(channels.values());
  }

  private static void closeAll(Iterable<FileChannel> channels) {
    for (FileChannel c : channels) {
      try {
        c.close();
      } catch (IOException e) {
        // read-only channel: nothing was buffered that a failed close could lose
      }
    }
  }

  private static TensorDType dominant(Iterable<TensorInfo> tensors) {
    Map<TensorDType, Long> bytes = new EnumMap<>(TensorDType.class);
    for (TensorInfo t : tensors) {
      bytes.merge(t.dtype(), t.byteLength(), Long::sum);
    }
    TensorDType best = TensorDType.F32;
    long bestBytes = -1;
    for (Map.Entry<TensorDType, Long> e : bytes.entrySet()) {
      if (e.getValue() > bestBytes) {
        best = e.getKey();
        bestBytes = e.getValue();
      }
    }
    return best;
  }

  @Override
  public String toString() {
    return "Checkpoint[" + source + ", " + tensors.size() + " tensors, " + dominantDType + "]";
  }

  /** For tests and diagnostics: the distinct files backing this checkpoint, in order. */
  List<Path> files() {
    return new ArrayList<>(channels.keySet());
  }
}
