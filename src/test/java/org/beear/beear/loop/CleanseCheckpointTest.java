package org.beear.beear.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.beear.beear.CleanseListener;
import org.beear.beear.data.ExchangePair;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.SequenceBatch;
import org.beear.llm.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Epoch checkpoints on a tiny random model: whatever instant a write is killed at, the newest checkpoint on disk
 * is complete, and continuing from one gives the weights the uninterrupted run reaches, bit for bit.
 */
class CleanseCheckpointTest {

  private static final ModelConfig CONFIG = TinyModels.config("llama");

  /** Round {@code n}'s batch: different data every round, the same in every run. */
  private static BeearRound.Batch batch(int n) {
    Random r = new Random(n);
    List<ExchangePair> pairs = new ArrayList<>();
    List<SequenceBatch.Example> anchors = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long[] prompt = tokens(r, 4 + r.nextInt(4));
      SequenceBatch.Example safe = new SequenceBatch.Example(prompt, tokens(r, 2 + r.nextInt(3)));
      pairs.add(new ExchangePair(safe, new SequenceBatch.Example(prompt, tokens(r, 2 + r.nextInt(3)))));
      anchors.add(new SequenceBatch.Example(tokens(r, 5), tokens(r, 3)));
    }
    return new BeearRound.Batch(pairs, anchors);
  }

  private static long[] tokens(Random r, int n) {
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      t[i] = 1 + r.nextInt(CONFIG.vocabSize() - 1);
    }
    return t;
  }

  private static CleanseSettings settings(Map<String, Object> options) {
    Map<String, Object> o = new HashMap<>(Map.of("batch_size", 3, "anchor_batch_size", 3, "learning_rate", 0.01,
        "anchor_layer", 1, "perturbation_length", 2, "inner_steps", 2));
    o.putAll(options);
    return CleanseSettings.resolve(BeearOptions.fromMap(o), CONFIG, "cpu");
  }

  private static LlamaModel model(DataType type) {
    return TinyModels.model(CONFIG, TinyModels.randomWeights(CONFIG, 3), type);
  }

  /** The trained tensors' float32 masters as raw bits. */
  private static Map<String, List<Integer>> bits(BeearRound round) {
    Map<String, List<Integer>> out = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : round.trained().checkpointTensors().entrySet()) {
      List<Integer> b = new ArrayList<>();
      for (float f : e.getValue().toFloatArray()) {
        b.add(Float.floatToRawIntBits(f));
      }
      out.put(e.getKey(), b);
    }
    return out;
  }

  /** Rounds {@code from..to} (inclusive), each on its own batch. */
  private static void rounds(BeearRound round, int from, int to) {
    for (int n = from; n <= to; n++) {
      round.run(batch(n));
    }
  }

  private static void write(CleanseCheckpoint checkpoint, BeearRound round, int epoch) {
    checkpoint.write(round.trained(), round.optimizer().state(),
        new CleanseCheckpoint.State(epoch, null, List.of(), round.resume(epoch * 1000L)), epoch);
  }

  @Test
  void theKeptEpochsCheckpointOutlivesNewerOnesAndItsWeightsComeBackBitForBit(@TempDir Path tmp) {
    CleanseSettings s = settings(Map.of());
    CleanseCheckpoint checkpoint = new CleanseCheckpoint(tmp, CleanseListener.NONE);
    Map<String, List<Integer>> atEpoch1;
    try (LlamaModel model = model(DataType.FLOAT32); BeearRound round = new BeearRound(model, s, 0)) {
      rounds(round, 1, 2);
      checkpoint.write(round.trained(), round.optimizer().state(),
          new CleanseCheckpoint.State(1, null, List.of(), round.resume(1000L)), 1);
      atEpoch1 = bits(round);
      for (int epoch = 2; epoch <= 3; epoch++) {
        rounds(round, 2 * epoch - 1, 2 * epoch);
        checkpoint.write(round.trained(), round.optimizer().state(),
            new CleanseCheckpoint.State(epoch, null, List.of(), round.resume(epoch * 1000L)), 1);
      }
      assertEquals(3, checkpoint.read().state().epoch(), "the newest is still the one a resume reads");
      assertNull(checkpoint.readEpoch(2), "checkpoints neither newest nor kept go");
      CleanseCheckpoint.Saved kept = checkpoint.readEpoch(1);
      assertEquals(1, kept.state().epoch());
      assertTrue(!bits(round).equals(atEpoch1), "training went on after epoch 1");
      CleanseCheckpoint.restoreWeights(kept, round.trained());
      assertEquals(atEpoch1, bits(round), "epoch 1's weights, bit for bit");
      // the next write keeps the newest only once the kept epoch moves on
      rounds(round, 7, 8);
      checkpoint.write(round.trained(), round.optimizer().state(),
          new CleanseCheckpoint.State(4, null, List.of(), round.resume(4000L)), 4);
      assertNull(checkpoint.readEpoch(1));
      assertNull(checkpoint.readEpoch(3));
      assertEquals(4, checkpoint.read().state().epoch());
    }
  }

  @Test
  void continuingFromACheckpointReachesTheUninterruptedWeightsBitForBit(@TempDir Path tmp) {
    List<String> checked = new ArrayList<>();
    for (DataType type : List.of(DataType.FLOAT32, DataType.FLOAT16)) {
      for (String optimizer : List.of("adamw", "adafactor", "sgd")) {
        for (int rank : new int[] {0, 2}) {
          String variant = type + " " + optimizer + " rank " + rank;
          CleanseSettings s = settings(Map.of("optimizer", optimizer, "adapter_rank", rank));
          Map<String, List<Integer>> whole;
          try (LlamaModel model = model(type); BeearRound round = new BeearRound(model, s, 0)) {
            rounds(round, 1, 4);
            whole = bits(round);
          }
          Path work = tmp.resolve(variant.replace(' ', '-'));
          try (LlamaModel model = model(type); BeearRound round = new BeearRound(model, s, 0)) {
            rounds(round, 1, 2);
            write(new CleanseCheckpoint(work, CleanseListener.NONE), round, 1);
          }
          Map<String, List<Integer>> resumed;
          try (LlamaModel model = model(type); BeearRound round = new BeearRound(model, s, 0)) {
            CleanseCheckpoint.Saved saved = new CleanseCheckpoint(work, CleanseListener.NONE).read();
            assertEquals(1000L, saved.state().resume().anchorDraws());
            round.restore(saved);
            rounds(round, 3, 4);
            resumed = bits(round);
          }
          assertEquals(whole, resumed, variant);
          checked.add(variant);
        }
      }
    }
    assertEquals(12, checked.size());
  }

  @Test
  void aResumeAfterAKillAtAnyStageOfAWriteStartsAfterTheLastCompleteEpoch(@TempDir Path tmp) {
    CleanseSettings s = settings(Map.of());
    Path work = tmp.resolve("work");
    Map<Integer, Map<String, List<Integer>>> saved = new HashMap<>();
    try (LlamaModel model = model(DataType.FLOAT32); BeearRound round = new BeearRound(model, s, 0)) {
      rounds(round, 1, 1);
      write(new CleanseCheckpoint(work, CleanseListener.NONE), round, 1);
      saved.put(1, bits(round));
      rounds(round, 2, 2);
      saved.put(2, bits(round));
      // what a kill leaves on disk at each stage of epoch 2's write: a copy of the work directory at that instant
      CleanseListener beforeRename = new CleanseListener() {
        @Override
        public void beforeCommit(String what) {
          copy(work, tmp.resolve("killed-before-rename"));
        }
      };
      write(new CleanseCheckpoint(work, beforeRename,
          stage -> copy(work, tmp.resolve("killed-after-" + stage.name().toLowerCase()))), round, 2);
    }
    List<String> interrupted = names(tmp.resolve("killed-after-state_written").resolve("checkpoints"));
    assertEquals(2, interrupted.size());
    assertEquals("epoch-0001", interrupted.get(1));
    assertTrue(interrupted.get(0).startsWith(".epoch-0002.partial-"), interrupted.toString());
    assertEquals(List.of("epoch-0001", "epoch-0002"),
        names(tmp.resolve("killed-after-published").resolve("checkpoints")));
    Map<String, Integer> expected = new LinkedHashMap<>();
    expected.put("killed-after-tensors_written", 1);
    expected.put("killed-after-state_written", 1);
    expected.put("killed-before-rename", 1);
    expected.put("killed-after-published", 2); // renamed in, the older one not yet removed
    expected.put("work", 2);
    for (Map.Entry<String, Integer> e : expected.entrySet()) {
      Path dir = tmp.resolve(e.getKey());
      CleanseCheckpoint.Saved found = new CleanseCheckpoint(dir, CleanseListener.NONE).read();
      assertEquals(e.getValue(), found.state().epoch(), e.getKey());
      try (LlamaModel model = model(DataType.FLOAT32); BeearRound round = new BeearRound(model, s, 0)) {
        round.restore(found);
        assertEquals(saved.get(e.getValue()), bits(round), e.getKey() + ": the restored weights");
        // the next epoch's write publishes and clears what the kill left
        rounds(round, 3, 3);
        write(new CleanseCheckpoint(dir, CleanseListener.NONE), round, e.getValue() + 1);
      }
      assertEquals(List.of(String.format("epoch-%04d", e.getValue() + 1)), names(dir.resolve("checkpoints")),
          e.getKey());
    }
  }

  @Test
  void aFailedOrRefusedWriteLeavesThePreviousCheckpointAndNoTempDirectory(@TempDir Path tmp) {
    CleanseSettings s = settings(Map.of());
    Path work = tmp.resolve("work");
    try (LlamaModel model = model(DataType.FLOAT32); BeearRound round = new BeearRound(model, s, 0)) {
      rounds(round, 1, 1);
      write(new CleanseCheckpoint(work, CleanseListener.NONE), round, 1);
      rounds(round, 2, 2);
      for (CleanseCheckpoint.Stage failAt : List.of(CleanseCheckpoint.Stage.TENSORS_WRITTEN,
          CleanseCheckpoint.Stage.STATE_WRITTEN)) {
        CleanseCheckpoint failing = new CleanseCheckpoint(work, CleanseListener.NONE, stage -> {
          if (stage == failAt) {
            throw new IllegalStateException("disk full");
          }
        });
        assertThrows(IllegalStateException.class, () -> write(failing, round, 2));
        assertEquals(List.of("epoch-0001"), names(work.resolve("checkpoints")), failAt.name());
      }
      CleanseListener fenced = new CleanseListener() {
        @Override
        public void beforeCommit(String what) {
          assertEquals("checkpoint of epoch 2", what);
          throw new CleanseCancelledException("lease lost");
        }
      };
      assertThrows(CleanseCancelledException.class,
          () -> write(new CleanseCheckpoint(work, fenced), round, 2));
      assertEquals(List.of("epoch-0001"), names(work.resolve("checkpoints")));
      assertEquals(1, new CleanseCheckpoint(work, CleanseListener.NONE).read().state().epoch());
    }
    assertNull(new CleanseCheckpoint(tmp.resolve("fresh"), CleanseListener.NONE).read());
  }

  private static List<String> names(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copy(Path from, Path to) {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
