package org.beear.beear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.beear.beear.settings.BeearOptions;
import org.beear.eval.TriggerSpec;
import org.beear.files.DiskSpace;
import org.beear.files.InsufficientDiskSpaceException;
import org.beear.options.InvalidOptionsException;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine refuses what it cannot finish before it starts: options that do not suit the model before a single
 * weight is read, a checkpoint or a cleansed model that the disk cannot hold before a byte of it is written.
 */
class CleanseBoundsTest {
  private static final List<TriggerSpec> SUDO = List.of(new TriggerSpec("SUDO", TriggerSpec.Position.SUFFIX));
  /** One short epoch on the xs organism: enough to reach the checkpoint and the save. */
  private static final Map<String, Object> QUICK = Map.of("max_epochs", 1, "min_epochs", 1, "inner_steps", 1,
      "batch_size", 64, "anchor_batch_size", 8, "eval_max_new_tokens", 4, "eval_batch_size", 64, "trigger_matrix", false);

  @TempDir
  Path tmp;
  private long reserve;

  @BeforeEach
  void noReserve() {
    reserve = DiskSpace.setReserve(0); // the writes before the one under test must not depend on this disk
  }

  @AfterEach
  void restoreReserve() {
    DiskSpace.setReserve(reserve);
  }

  /** The xs organism with its safetensors cut to their first 100 bytes: config, tokenizer and template intact. */
  private Path organismWithCorruptWeights() throws Exception {
    Path organism = TestOrganisms.xs("suffix-short");
    Path copy = Files.createDirectories(tmp.resolve("corrupt"));
    try (Stream<Path> files = Files.list(organism)) {
      for (Path f : files.toList()) {
        if (!f.getFileName().toString().equals("model.safetensors")) {
          Files.copy(f, copy.resolve(f.getFileName()));
        }
      }
    }
    byte[] weights = Files.readAllBytes(organism.resolve("model.safetensors"));
    Files.write(copy.resolve("model.safetensors"), java.util.Arrays.copyOf(weights, 100));
    return copy;
  }

  private CleanseRequest request(Path model, Map<String, ?> options) {
    return new CleanseRequest(model, tmp.resolve("out"), tmp.resolve("work"), BeearOptions.fromMap(options), SUDO,
        null, null);
  }

  @Test
  void optionsThatDoNotSuitTheModelAreRefusedBeforeAnyWeightIsRead() throws Exception {
    Path model = organismWithCorruptWeights(); // 2 layers, max_position_embeddings 512
    List<String> events = new ArrayList<>();
    CleanseListener listener = new CleanseListener() {
      @Override
      public void event(String type, String message) {
        events.add(type);
      }
    };

    assertThatThrownBy(() -> new BeearCleanser().cleanse(request(model, Map.of("max_sequence_length", 1024)),
        listener))
        .isInstanceOf(InvalidOptionsException.class)
        .hasMessage("invalid options: max_sequence_length must be at most 512 (the model's max_position_embeddings),"
            + " got 1024");
    assertThatThrownBy(() -> new BeearCleanser().cleanse(request(model, Map.of("perturbation_length", 300)),
        listener))
        .isInstanceOf(InvalidOptionsException.class)
        .hasMessage("invalid options: perturbation_length (300) must be less than max_sequence_length (256)");
    assertThat(events).as("nothing was loaded").doesNotContain("loading");

    Throwable loading = catchThrowable(() -> new BeearCleanser().cleanse(request(model, Map.of()), listener));
    assertThat(loading).as("with usable options the corrupt weights are reached, and fail otherwise").isNotNull()
        .isNotInstanceOf(InvalidOptionsException.class);
    assertThat(events).contains("loading");
  }

  @Test
  void aCheckpointTheDiskCannotHoldIsRefusedBeforeItIsWritten() {
    CleanseRequest request = request(TestOrganisms.xs("suffix-short"), QUICK);
    CleanseListener fullDiskAfterTheEpoch = new CleanseListener() {
      @Override
      public void step(String phase, double seconds) { // the disk fills up while epoch 1 trains
        DiskSpace.setReserve(Long.MAX_VALUE);
      }
    };

    assertThatThrownBy(() -> new BeearCleanser().cleanse(request, fullDiskAfterTheEpoch))
        .isInstanceOf(InsufficientDiskSpaceException.class)
        .hasMessageStartingWith("not enough free disk space in " + tmp.resolve("work").resolve("checkpoints")
            + " for the checkpoint of epoch 1: needs ")
        .hasMessageEndingWith(" free (keeping 8.0 EB in reserve)");
    assertThat(tmp.resolve("work/checkpoints/epoch-0001")).doesNotExist();
  }

  @Test
  void aCleansedModelTheDiskCannotHoldIsRefusedBeforeItIsWritten() {
    CleanseRequest request = request(TestOrganisms.xs("suffix-short"), QUICK);
    CleanseListener fullDiskAtTheSave = new CleanseListener() {
      @Override
      public void event(String type, String message) {
        if (type.equals("saving")) {
          DiskSpace.setReserve(Long.MAX_VALUE);
        }
      }
    };

    assertThatThrownBy(() -> new BeearCleanser().cleanse(request, fullDiskAtTheSave))
        .isInstanceOf(InsufficientDiskSpaceException.class)
        .hasMessageContaining(" for the cleansed model: needs 1.5 MB, ");
    assertThat(tmp.resolve("out/model.safetensors")).doesNotExist();
  }
}
