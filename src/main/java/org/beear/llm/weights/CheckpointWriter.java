package org.beear.llm.weights;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Saves tensors as a Hugging Face safetensors checkpoint: one {@code model.safetensors}, or numbered shards
 * plus {@code model.safetensors.index.json}, the layout {@code transformers}' {@code save_pretrained} makes.
 *
 * <p>Crash safety: every file is written to a hidden temp file in the target directory, forced to disk, and
 * renamed into place; the index, which makes a sharded checkpoint visible, is renamed last. A crash leaves
 * at worst stray temp files, never a half-written checkpoint file.
 */
public final class CheckpointWriter {

  /** Files other than weights that a model directory needs to be loadable by Hugging Face tooling. */
  public static final List<String> MODEL_FILES =
      List.of(
          "config.json",
          "generation_config.json",
          "tokenizer.json",
          "tokenizer_config.json",
          "special_tokens_map.json",
          "tokenizer.model",
          "chat_template.jinja");

  private static final Pattern SHARD_NAME = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

  private CheckpointWriter() {}

  /**
   * Writes {@code tensors} (insertion-ordered name -> array of any float dtype) converted to {@code dtype}
   * (PyTorch's conversions: round-to-nearest-even for BF16). Shards are filled greedily in insertion order
   * up to {@code maxShardBytes}; a tensor bigger than that gets a shard of its own. {@code metadata} goes to
   * {@code __metadata__} of every file, with "format": "pt" added. Stale weight files of an earlier
   * checkpoint in {@code dir} (model.safetensors, index, numbered shards) are removed.
   */
  public static void write(
      Path dir, Map<String, NDArray> tensors, TensorDType dtype, long maxShardBytes, Map<String, String> metadata) {
    write(dir, tensors, dtype, maxShardBytes, metadata, Checkpoint.DEFAULT_CHUNK_BYTES);
  }

  static void write(
      Path dir,
      Map<String, NDArray> tensors,
      TensorDType dtype,
      long maxShardBytes,
      Map<String, String> metadata,
      long chunkBytes) {
    List<SafetensorsFileWriter.Entry> entries = new ArrayList<>();
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      entries.add(arrayEntry(e.getKey(), e.getValue(), dtype));
    }
    writeEntries(dir, entries, maxShardBytes, metadata, chunkBytes);
  }

  /**
   * Writes a checkpoint derived from {@code source}: every tensor of {@code source}, in its order and with its
   * stored dtype and shape, its bytes copied unchanged unless it is one of {@code replaced}, whose array
   * {@code replacement} makes when that tensor is written (and which is closed right after), narrowed to the
   * tensor's stored dtype: a cleansed model, trained tensors replaced and the rest bit-identical. Names in
   * {@code replaced} that {@code source} lacks are an error.
   */
  public static void writeDerived(Path dir, Checkpoint source, java.util.Set<String> replaced,
      java.util.function.Function<String, NDArray> replacement, long maxShardBytes, Map<String, String> metadata) {
    for (String name : replaced) {
      if (!source.contains(name)) {
        throw new IllegalArgumentException("no tensor \"" + name + "\" in " + source.source() + " to replace");
      }
    }
    List<SafetensorsFileWriter.Entry> entries = new ArrayList<>();
    for (TensorInfo t : source.tensors()) {
      entries.add(replaced.contains(t.name())
          ? SafetensorsFileWriter.lazy(t.name(), () -> replacement.apply(t.name()), t.dtype(), t.shape())
          : SafetensorsFileWriter.copy(t.name(), t));
    }
    writeEntries(dir, entries, maxShardBytes, metadata, Checkpoint.DEFAULT_CHUNK_BYTES);
  }

  /**
   * Writes {@code tensors} converted to {@code dtype} as the one safetensors file {@code file} (e.g. a PEFT adapter's
   * adapter_model.safetensors), crash-safe as the rest: a hidden temp file beside it, forced, renamed into place.
   */
  public static void writeFile(Path file, Map<String, NDArray> tensors, TensorDType dtype,
      Map<String, String> metadata) {
    List<SafetensorsFileWriter.Entry> entries = new ArrayList<>();
    tensors.forEach((name, array) -> entries.add(arrayEntry(name, array, dtype)));
    Map<String, String> fileMetadata = new TreeMap<>(metadata);
    fileMetadata.putIfAbsent("format", "pt");
    Path dir = file.toAbsolutePath().getParent();
    Path temp = null;
    try {
      Files.createDirectories(dir);
      temp = tempFile(dir, file.getFileName().toString());
      SafetensorsFileWriter.write(temp, entries, fileMetadata, Checkpoint.DEFAULT_CHUNK_BYTES);
      moveIntoPlace(temp, file);
      temp = null;
      force(dir);
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot write", e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // best effort: a stray hidden temp file is harmless
        }
      }
    }
  }

  private static SafetensorsFileWriter.Entry arrayEntry(String name, NDArray array, TensorDType dtype) {
    if (name == null || name.equals(SafetensorsHeader.METADATA_KEY)) {
      throw new IllegalArgumentException("invalid tensor name: " + name);
    }
    if (array == null || !array.getDataType().isFloating()) {
      throw new IllegalArgumentException(
          "tensor \"" + name + "\" must be a floating point array, got "
              + (array == null ? "null" : array.getDataType()));
    }
    return SafetensorsFileWriter.entry(name, array, dtype);
  }

  private static void writeEntries(Path dir, List<SafetensorsFileWriter.Entry> entries, long maxShardBytes,
      Map<String, String> metadata, long chunkBytes) {
    if (maxShardBytes <= 0) {
      throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
    }
    List<List<SafetensorsFileWriter.Entry>> shards = planShards(entries, maxShardBytes);
    Map<String, String> fileMetadata = new TreeMap<>(metadata);
    fileMetadata.putIfAbsent("format", "pt");

    List<String> names = new ArrayList<>();
    if (shards.size() == 1) {
      names.add(Checkpoint.SINGLE_FILE_NAME);
    } else {
      for (int i = 1; i <= shards.size(); i++) {
        names.add(String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i, shards.size()));
      }
    }
    List<Path> temps = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      for (int i = 0; i < shards.size(); i++) {
        Path temp = tempFile(dir, names.get(i));
        temps.add(temp);
        SafetensorsFileWriter.write(temp, shards.get(i), fileMetadata, chunkBytes);
      }
      Path indexTemp = null;
      if (shards.size() > 1) {
        indexTemp = tempFile(dir, ShardIndex.FILE_NAME);
        temps.add(indexTemp);
        Files.write(indexTemp, indexJson(shards, names));
        force(indexTemp);
      }
      for (int i = 0; i < shards.size(); i++) {
        moveIntoPlace(temps.get(i), dir.resolve(names.get(i)));
      }
      if (indexTemp != null) {
        moveIntoPlace(indexTemp, dir.resolve(ShardIndex.FILE_NAME));
      }
      temps.clear();
      removeStaleWeights(dir, Set.copyOf(names), shards.size() > 1);
      force(dir);
    } catch (IOException e) {
      throw new CheckpointException(dir, "cannot write checkpoint", e);
    } finally {
      for (Path temp : temps) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // best effort: a stray hidden temp file is harmless
        }
      }
    }
  }

  private static List<List<SafetensorsFileWriter.Entry>> planShards(
      List<SafetensorsFileWriter.Entry> entries, long maxShardBytes) {
    List<List<SafetensorsFileWriter.Entry>> shards = new ArrayList<>();
    List<SafetensorsFileWriter.Entry> current = new ArrayList<>();
    long currentBytes = 0;
    for (SafetensorsFileWriter.Entry entry : entries) {
      if (!current.isEmpty() && currentBytes + entry.byteLength() > maxShardBytes) {
        shards.add(current);
        current = new ArrayList<>();
        currentBytes = 0;
      }
      current.add(entry);
      currentBytes += entry.byteLength();
    }
    shards.add(current);
    return shards;
  }

  /** transformers' index format: total_size in bytes, weight_map sorted by tensor name. */
  private static byte[] indexJson(List<List<SafetensorsFileWriter.Entry>> shards, List<String> names)
      throws IOException {
    long total = 0;
    Map<String, String> weightMap = new TreeMap<>();
    for (int i = 0; i < shards.size(); i++) {
      for (SafetensorsFileWriter.Entry e : shards.get(i)) {
        total += e.byteLength();
        weightMap.put(e.name(), names.get(i));
      }
    }
    ObjectNode root = SafetensorsHeader.JSON.createObjectNode();
    root.putObject("metadata").put("total_size", total);
    ObjectNode map = root.putObject("weight_map");
    weightMap.forEach(map::put);
    return SafetensorsHeader.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
  }

  /** Hidden, in the target directory, so the final rename stays on one file system and is atomic. */
  private static Path tempFile(Path dir, String finalName) throws IOException {
    Path temp = Files.createTempFile(dir, "." + finalName + ".", ".tmp");
    // createTempFile makes owner-only files; a saved model is read by other tools and users like any other file
    try {
      Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: keep the default permissions
    }
    return temp;
  }

  private static void moveIntoPlace(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Weight files of a previous save into the same directory would make the checkpoint ambiguous. */
  private static void removeStaleWeights(Path dir, Set<String> keep, boolean sharded) throws IOException {
    if (sharded) {
      Files.deleteIfExists(dir.resolve(Checkpoint.SINGLE_FILE_NAME));
    } else {
      Files.deleteIfExists(dir.resolve(ShardIndex.FILE_NAME));
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (SHARD_NAME.matcher(name).matches() && !keep.contains(name)) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  /** fsync; on a directory this makes the renames durable. Not every platform allows it on directories. */
  private static void force(Path path) {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // durability is best effort where the platform refuses to sync a directory
    }
  }

  /**
   * Copies the non-weight model files ({@link #MODEL_FILES}) that exist in {@code fromDir} to {@code toDir},
   * so a cleansed checkpoint keeps its config, tokenizer and chat template. Links are never followed: a model file
   * that is a symbolic link (it could name any file of the machine, which would then be published with the
   * output) is refused, and each file is opened without following one, so a link swapped in meanwhile fails too.
   *
   * @return the names of the files copied
   * @throws CheckpointException when a model file is a link or not a regular file, or cannot be copied
   */
  public static List<String> copyModelFiles(Path fromDir, Path toDir) {
    if (!Files.isDirectory(fromDir)) {
      throw new CheckpointException(fromDir, "model directory does not exist");
    }
    List<String> copied = new ArrayList<>();
    try {
      Files.createDirectories(toDir);
      if (Files.isSameFile(fromDir, toDir)) {
        return copied;
      }
    } catch (IOException e) {
      throw new CheckpointException(toDir, "cannot create output directory", e);
    }
    for (String name : MODEL_FILES) {
      Path source = fromDir.resolve(name);
      if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
        throw new CheckpointException(source, Files.isSymbolicLink(source)
            ? "is a symbolic link; links in a model directory are not followed" : "is not a regular file");
      }
      try {
        Path temp = tempFile(toDir, name);
        try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS)) {
          Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
          moveIntoPlace(temp, toDir.resolve(name));
        } finally {
          Files.deleteIfExists(temp);
        }
        copied.add(name);
      } catch (IOException e) {
        throw new CheckpointException(source, "cannot copy to " + toDir, e);
      }
    }
    return copied;
  }
}
