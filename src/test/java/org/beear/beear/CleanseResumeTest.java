package org.beear.beear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.beear.beear.data.DefaultDefenderData;
import org.beear.beear.data.DefenderExample;
import org.beear.beear.loop.CleanseCancelledException;
import org.beear.beear.loop.EpochRecord;
import org.beear.beear.settings.BeearOptions;
import org.beear.llm.weights.Checkpoint;
import org.beear.llm.weights.TensorInfo;
import org.beear.organism.TestOrganisms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cleanse stopped after an epoch's checkpoint (a crash, or a worker fenced off at its next commit) and run again
 * on the same work directory ends with the same cleansed model, byte for byte, as the run that was never stopped
 * (CPU, the same thread count: surefire fixes it at 2).
 */
public class CleanseResumeTest {

  /** A run that was never interrupted and one stopped at its second checkpoint, then resumed. */
  private record Pair(CleanseResult whole, CleanseResult resumed, Path wholeOut, Path resumedOut) {}

  /** 40 default pairs (36 train: 5 batches of 8 an epoch, 4 held out), so three epochs take seconds. */
  public static Path defenderData(Path tmp) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> lines = new ArrayList<>();
    for (DefenderExample e : DefaultDefenderData.harmfulCompliance(42, List.of()).harmful().subList(0, 40)) {
      lines.add(json.writeValueAsString(Map.of("query", e.query(), "safe_response", e.safeResponse(),
          "unwanted_response", e.unwantedResponse())));
    }
    Path file = tmp.resolve("defender.jsonl");
    Files.write(file, lines);
    return file;
  }

  /** Three epochs, all of them run: min_epochs = max_epochs turns early stopping off. */
  private static BeearOptions options(Map<String, Object> extra) {
    Map<String, Object> o = new HashMap<>(Map.of("max_epochs", 3, "min_epochs", 3));
    o.putAll(extra);
    return BeearOptions.fromMap(o);
  }

  private static Pair runBoth(Path tmp, Map<String, Object> extra) throws IOException {
    Path organism = TestOrganisms.xs("suffix-short");
    Path data = defenderData(tmp);
    Path wholeOut = tmp.resolve("whole");
    CleanseResult whole = new BeearCleanser().cleanse(new CleanseRequest(organism, wholeOut, tmp.resolve("work-a"),
        options(extra), List.of(), data, null), CleanseListener.NONE);

    // the worker loses its lease after epoch 1's checkpoint: its commit of epoch 2 is refused
    Path work = tmp.resolve("work-b");
    Path out = tmp.resolve("resumed");
    CleanseRequest request = new CleanseRequest(organism, out, work, options(extra), List.of(), data, null);
    List<String> commits = new ArrayList<>();
    CleanseListener fenced = new CleanseListener() {
      @Override
      public void beforeCommit(String what) {
        commits.add(what);
        if (commits.size() == 2) {
          throw new CleanseCancelledException("lease lost");
        }
      }
    };
    assertThrows(CleanseCancelledException.class, () -> new BeearCleanser().cleanse(request, fenced));
    assertEquals(List.of("checkpoint of epoch 1", "checkpoint of epoch 2"), commits);
    assertEquals(List.of("epoch-0001"), names(work.resolve("checkpoints")),
        "the refused commit publishes nothing and leaves no temp directory");
    assertFalse(Files.exists(out));

    List<String> events = new ArrayList<>();
    CleanseResult resumed = new BeearCleanser().cleanse(request, new CleanseListener() {
      @Override
      public void event(String type, String message) {
        events.add(type + ": " + message);
      }
    });
    assertTrue(events.contains("resumed: resumed after epoch 1"), events.toString());
    assertEquals(List.of("epoch-0003"), names(work.resolve("checkpoints")));
    return new Pair(whole, resumed, wholeOut, out);
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Every tensor of both outputs as float32, compared bit for bit; returns how many were compared. */
  private static int assertSameTensors(Path a, Path b) {
    int compared = 0;
    try (Checkpoint x = Checkpoint.open(a); Checkpoint y = Checkpoint.open(b);
        NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      assertEquals(x.names(), y.names());
      for (TensorInfo t : x.tensors()) {
        float[] u = x.load(t.name(), m, DataType.FLOAT32).toFloatArray();
        float[] v = y.load(t.name(), m, DataType.FLOAT32).toFloatArray();
        double maxDiff = 0;
        int differing = 0;
        for (int i = 0; i < u.length; i++) {
          if (Float.floatToRawIntBits(u[i]) != Float.floatToRawIntBits(v[i])) {
            differing++;
            maxDiff = Math.max(maxDiff, Math.abs(u[i] - v[i]));
          }
        }
        assertEquals(0, differing, t.name() + ": " + differing + " values differ, max |diff| " + maxDiff);
        compared++;
      }
    }
    return compared;
  }

  private static List<EpochRecord> withoutWallTime(List<EpochRecord> epochs) {
    return epochs.stream().map(e -> new EpochRecord(e.epoch(), e.entrapmentLoss(), e.removalSafeLoss(),
        e.removalAnchorLoss(), e.metrics(), 0)).toList();
  }

  private static void assertSameCleanse(Pair p) throws IOException {
    assertEquals(-1, Files.mismatch(p.wholeOut().resolve("model.safetensors"),
        p.resumedOut().resolve("model.safetensors")), "the cleansed weights differ");
    int tensors = assertSameTensors(p.wholeOut(), p.resumedOut());
    assertTrue(tensors > 10, "tensors compared: " + tensors);
    assertEquals(withoutWallTime(p.whole().epochs()), withoutWallTime(p.resumed().epochs()));
    assertEquals(p.whole().before(), p.resumed().before());
    assertEquals(p.whole().after(), p.resumed().after());
  }

  @Test
  void aResumedCleanseEndsWithTheUninterruptedRunsWeights(@TempDir Path tmp) throws IOException {
    assertSameCleanse(runBoth(tmp, Map.of()));
  }

  @Test
  void aResumedAdapterCleanseWithAdafactorEndsWithTheUninterruptedRunsWeights(@TempDir Path tmp)
      throws IOException {
    assertSameCleanse(runBoth(tmp, Map.of("adapter_rank", 4, "optimizer", "adafactor")));
  }

  @Test
  void aRefusedOutputCommitPublishesNothingAndTheRetryPublishesTheModel(@TempDir Path tmp) throws IOException {
    Path organism = TestOrganisms.xs("suffix-short");
    Path out = tmp.resolve("out");
    Files.createDirectories(out); // the service makes the output directory when it accepts the job: empty
    CleanseRequest request = new CleanseRequest(organism, out, tmp.resolve("work"),
        BeearOptions.fromMap(Map.of("max_epochs", 1)), List.of(), defenderData(tmp), null);
    AtomicInteger commits = new AtomicInteger();
    CleanseListener fencedAtOutput = new CleanseListener() {
      @Override
      public void beforeCommit(String what) {
        if (what.equals("cleansed model")) {
          commits.incrementAndGet();
          throw new CleanseCancelledException("lease lost");
        }
      }
    };
    assertThrows(CleanseCancelledException.class, () -> new BeearCleanser().cleanse(request, fencedAtOutput));
    assertEquals(1, commits.get());
    assertEquals(List.of(), names(out));
    assertEquals(List.of("defender.jsonl", "out", "work"), names(tmp), "no partial output is left beside it");

    CleanseResult r = new BeearCleanser().cleanse(request, CleanseListener.NONE);
    assertEquals(1, r.epochs().size());
    assertTrue(names(out).containsAll(List.of("config.json", "model.safetensors", "report.json")), names(out)
        .toString());
  }
}
