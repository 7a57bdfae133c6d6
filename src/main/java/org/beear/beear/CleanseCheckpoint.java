package org.beear.beear;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.beear.llm.weights.Checkpoint;
import org.beear.llm.weights.CheckpointWriter;
import org.beear.llm.weights.TensorDType;

/**
 * The state after the last finished epoch, in {@code workDir/checkpoint}: the trained tensors' float32 masters (the
 * trainable layers' weights, or the adapters; the rest of the model is the source's, unchanged) and
 * {@code state.json}. A cleanse that finds one resumes after that epoch; the optimiser's moments start afresh.
 */
final class CleanseCheckpoint {
  record State(int epoch, EvalMetrics before, List<EpochRecord> epochs) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path dir;

  CleanseCheckpoint(Path workDir) {
    this.dir = workDir.resolve("checkpoint");
  }

  Path dir() {
    return dir;
  }

  /** The saved state, or null when there is none (state.json is written last, so its presence means complete). */
  State read() {
    Path state = dir.resolve("state.json");
    if (!Files.isRegularFile(state)) {
      return null;
    }
    try {
      return JSON.readValue(state.toFile(), State.class);
    } catch (IOException e) {
      throw new IllegalStateException("checkpoint " + state + " is unreadable: " + e.getMessage(), e);
    }
  }

  /** Puts the checkpoint's trained tensors into {@code trained}. */
  void restore(TrainedWeights trained) {
    try (Checkpoint saved = Checkpoint.open(dir.resolve("trained"))) {
      trained.restore(saved);
    }
  }

  void write(TrainedWeights trained, State state) {
    org.beear.files.DiskSpace.require(dir.getParent(), trained.checkpointBytes(),
        "the checkpoint of epoch " + state.epoch());
    try {
      Files.createDirectories(dir);
      Files.deleteIfExists(dir.resolve("state.json"));
      CheckpointWriter.write(dir.resolve("trained"), trained.checkpointTensors(), TensorDType.F32,
          org.beear.llm.ModelDirectory.DEFAULT_MAX_SHARD_BYTES,
          Map.of("beear.checkpoint.epoch", String.valueOf(state.epoch())));
      Path temp = dir.resolve("state.json.tmp");
      JSON.writeValue(temp.toFile(), state);
      Files.move(temp, dir.resolve("state.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write checkpoint in " + dir + ": " + e.getMessage(), e);
    }
  }
}
