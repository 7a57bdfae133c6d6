package org.beear.llm.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed {@code model.safetensors.index.json}: which shard file holds each tensor.
 *
 * @param weightMap tensor name -> shard path (resolved inside the index's directory), in index order
 */
record ShardIndex(Path indexFile, Map<String, Path> weightMap) {

  static final String FILE_NAME = "model.safetensors.index.json";

  /** The index is tiny (names only); a bigger file is not an index. */
  private static final long MAX_INDEX_BYTES = 100L << 20;

  static ShardIndex read(Path indexFile) {
    JsonNode root;
    try {
      long size = Files.size(indexFile);
      if (size > MAX_INDEX_BYTES) {
        throw new CheckpointException(indexFile, "index is " + size + " bytes, over the cap of " + MAX_INDEX_BYTES);
      }
      root = SafetensorsHeader.JSON.readTree(Files.readString(indexFile));
    } catch (JsonProcessingException e) {
      throw new CheckpointException(indexFile, "index is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new CheckpointException(indexFile, "cannot read shard index", e);
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointException(indexFile, "index must be a JSON object");
    }
    JsonNode map = root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new CheckpointException(indexFile, "index has no \"weight_map\" object");
    }
    Path dir = indexFile.toAbsolutePath().getParent();
    Map<String, Path> weightMap = new LinkedHashMap<>();
    map.fields()
        .forEachRemaining(
            e -> {
              if (!e.getValue().isTextual()) {
                throw new CheckpointException(
                    indexFile, "weight_map entry for \"" + e.getKey() + "\" must be a file name string");
              }
              weightMap.put(e.getKey(), resolveShard(indexFile, dir, e.getValue().textValue()));
            });
    return new ShardIndex(indexFile, weightMap);
  }

  /** Shards must sit next to the index: a name like "../../etc/passwd" is refused, not followed. */
  private static Path resolveShard(Path indexFile, Path dir, String shardName) {
    Path shard = dir.resolve(shardName).normalize();
    if (shardName.isEmpty() || !dir.equals(shard.getParent())) {
      throw new CheckpointException(
          indexFile, "weight_map names shard \"" + shardName + "\", which is not a file next to the index");
    }
    return shard;
  }
}
