package org.beear.beear.loop;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.files.DurableFiles;
import org.beear.llm.ModelDirectory;
import org.beear.llm.Optimizer;
import org.beear.llm.TrainableParameters;
import org.beear.llm.weights.Checkpoint;
import org.beear.llm.weights.CheckpointWriter;
import org.beear.llm.weights.TensorDType;
import org.beear.llm.weights.TensorInfo;

/**
 * The state after the last finished epoch, in {@code workDir/checkpoints/epoch-NNNN}: the trained tensors' float32
 * masters (the trainable layers' weights, or the adapters; the rest of the model is the source's, unchanged), the
 * removal optimiser's state, and {@code state.json} with the figures so far and the scalars the next epoch depends
 * on ({@link Resume}). A resumed cleanse continues exactly as the uninterrupted one would have.
 *
 * <p>Each epoch's checkpoint is written complete into a hidden temp directory beside the others, forced to disk
 * and renamed into place; only then are older checkpoints and leftover temp directories removed, but for the one of
 * the epoch the cleanse would hand back now ({@link KeptEpoch}). So at every instant the newest {@code epoch-NNNN}
 * is a complete checkpoint, whenever the process is killed, and the kept epoch's weights are still on disk.
 */
public final class CleanseCheckpoint {
  /** Everything besides the tensors that the epochs after {@code epoch} depend on. */
  public record State(int epoch, EvalMetrics before, List<EpochRecord> epochs, Resume resume) {}

  /**
   * The scalars that carry from one epoch into the next.
   *
   * @param optimizer           the removal optimiser's wire name: its state is only meaningful to the same kind
   * @param optimizerSteps      per trained tensor, the optimiser's step count
   * @param lossScale           mixed precision's dynamic loss scale
   * @param entrapmentLossScale the loss scale of float16 entrapment
   * @param anchorDraws         the state of the generator that draws each round's anchoring examples
   */
  record Resume(String optimizer, Map<String, Integer> optimizerSteps, TrainableParameters.ScaleState lossScale,
      double entrapmentLossScale, long anchorDraws) {}

  /** A complete checkpoint found on disk. */
  public record Saved(Path dir, State state) {}

  /** Points of {@link #write} a test can stop at, to see what a kill there leaves behind. */
  enum Stage { TENSORS_WRITTEN, STATE_WRITTEN, PUBLISHED }

  static final String STATE_FILE = "state.json";
  private static final Pattern COMPLETE = Pattern.compile("epoch-(\\d+)");
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path root;
  private final LoopListener listener;
  private final Consumer<Stage> stages;

  public CleanseCheckpoint(Path workDir, LoopListener listener) {
    this(workDir, listener, stage -> {});
  }

  /** With {@code stages} told each {@link Stage} a write reaches (tests). */
  CleanseCheckpoint(Path workDir, LoopListener listener, Consumer<Stage> stages) {
    this.root = workDir.resolve("checkpoints");
    this.listener = listener;
    this.stages = stages;
  }

  /**
   * The newest complete checkpoint, or null when there is none. Only renamed-in directories count (their state
   * file was written before the rename); temp directories of an interrupted write are ignored.
   */
  public Saved read() {
    return read(-1);
  }

  /** The complete checkpoint of {@code epoch}, or null when there is none. */
  public Saved readEpoch(int epoch) {
    Saved saved = read(epoch);
    return saved != null && saved.state().epoch() == epoch ? saved : null;
  }

  /** The checkpoint of {@code epoch}, or the newest when {@code epoch} is negative. */
  private Saved read(int epoch) {
    Path newest = null;
    int newestEpoch = -1;
    try {
      for (Path p : DurableFiles.list(root)) {
        Matcher m = COMPLETE.matcher(p.getFileName().toString());
        int found = m.matches() ? Integer.parseInt(m.group(1)) : -1;
        if (found >= 0 && Files.isRegularFile(p.resolve(STATE_FILE)) && (epoch < 0 ? found > newestEpoch
            : found == epoch)) {
          newest = p;
          newestEpoch = found;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list checkpoints in " + root + ": " + e.getMessage(), e);
    }
    if (newest == null) {
      return null;
    }
    Path state = newest.resolve(STATE_FILE);
    try {
      return new Saved(newest, JSON.readValue(state.toFile(), State.class));
    } catch (IOException e) {
      throw new IllegalStateException("checkpoint " + state + " is unreadable: " + e.getMessage(), e);
    }
  }

  /** Puts a checkpoint's trained tensors and optimiser state back; the scalars of its {@link Resume} are the caller's. */
  static void restore(Saved saved, TrainedWeights trained, Optimizer optimizer, String optimizerKind) {
    Resume resume = saved.state().resume();
    if (resume == null || !resume.optimizer().equals(optimizerKind)) {
      throw new IllegalStateException("the checkpoint in " + saved.dir() + " was written with optimizer "
          + (resume == null ? "state of an older version" : resume.optimizer()) + ", not " + optimizerKind
          + "; remove it to start afresh");
    }
    try (Checkpoint tensors = Checkpoint.open(saved.dir().resolve("trained"))) {
      trained.restore(tensors);
    }
    Path optimizerDir = saved.dir().resolve("optimizer");
    Map<String, NDArray> arrays = new LinkedHashMap<>();
    try (NDManager staging = NDManager.newBaseManager(Device.cpu())) {
      if (Files.isDirectory(optimizerDir)) {
        try (Checkpoint state = Checkpoint.open(optimizerDir)) {
          for (TensorInfo t : state.tensors()) {
            arrays.put(t.name(), state.load(t.name(), staging, DataType.FLOAT32));
          }
        }
      }
      optimizer.restore(new Optimizer.State(arrays, resume.optimizerSteps()));
    }
  }

  /** Puts a checkpoint's trained tensors back, not its optimiser state: for handing back an earlier epoch. */
  public static void restoreWeights(Saved saved, TrainedWeights trained) {
    try (Checkpoint tensors = Checkpoint.open(saved.dir().resolve("trained"))) {
      trained.restore(tensors);
    }
  }

  /**
   * Publishes the checkpoint of {@code state.epoch()}: tensors, then the state file, into a temp directory, forced
   * to disk, then one rename; older checkpoints go after it, but for the checkpoint of {@code keep}. The listener's
   * {@link LoopListener#beforeCommit} comes right before the rename and may stop it.
   */
  public void write(TrainedWeights trained, Optimizer.State optimizer, State state, int keep) {
    String name = String.format(Locale.ROOT, "epoch-%04d", state.epoch());
    long optimizerBytes = optimizer.arrays().values().stream().mapToLong(a -> a.size() * Float.BYTES).sum();
    org.beear.files.DiskSpace.require(root, trained.checkpointBytes() + optimizerBytes,
        "the checkpoint of epoch " + state.epoch());
    Path temp = null;
    try {
      temp = DurableFiles.newHiddenDirectory(root, name + ".partial");
      Map<String, String> metadata = Map.of("beear.checkpoint.epoch", String.valueOf(state.epoch()));
      CheckpointWriter.write(temp.resolve("trained"), trained.checkpointTensors(), TensorDType.F32,
          ModelDirectory.DEFAULT_MAX_SHARD_BYTES, metadata);
      if (!optimizer.arrays().isEmpty()) { // SGD keeps none
        CheckpointWriter.write(temp.resolve("optimizer"), optimizer.arrays(), TensorDType.F32,
            ModelDirectory.DEFAULT_MAX_SHARD_BYTES, metadata);
      }
      stages.accept(Stage.TENSORS_WRITTEN);
      DurableFiles.writeForced(temp.resolve(STATE_FILE), JSON.writeValueAsBytes(state));
      DurableFiles.forceTree(temp);
      stages.accept(Stage.STATE_WRITTEN);
      listener.beforeCommit("checkpoint of epoch " + state.epoch());
      Path target = root.resolve(name);
      // only a run that was fenced off (or lost its state file to hand editing) leaves this epoch's name taken;
      // the newer checkpoint replaces it, and the one before it stays until the rename
      DurableFiles.deleteRecursively(target);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      temp = null;
      DurableFiles.force(root);
      stages.accept(Stage.PUBLISHED);
      Path kept = root.resolve(String.format(Locale.ROOT, "epoch-%04d", keep));
      for (Path p : DurableFiles.list(root)) {
        if (!p.equals(target) && !p.equals(kept)) {
          DurableFiles.deleteQuietly(p);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot write checkpoint in " + root + ": " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        DurableFiles.deleteQuietly(temp);
      }
    }
  }
}
