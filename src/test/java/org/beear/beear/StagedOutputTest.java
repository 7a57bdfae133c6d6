package org.beear.beear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.beear.beear.loop.CleanseCancelledException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output appears complete or not at all, and never mixes with files that are not this cleanse's. */
class StagedOutputTest {

  private static Path writeModel(Path dir, String weights) {
    try {
      Files.writeString(dir.resolve("model.safetensors"), weights);
      Files.writeString(dir.resolve("report.json"), "{}");
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> names(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void theOutputAppearsOnlyWhenCompleteAndLeavesNoTempDirectory(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("jobs").resolve("out");
    Path work = Files.createDirectories(tmp.resolve("work"));
    new StagedOutput(out, work).publish(CleanseListener.NONE, dir -> {
      assertFalse(Files.exists(out), "nothing at the output while it is written");
      assertEquals(out.getParent(), dir.getParent(), "staged beside it, so the rename is atomic");
      return writeModel(dir, "weights");
    });
    assertEquals(List.of("model.safetensors", "report.json"), names(out));
    assertEquals(List.of("out"), names(out.getParent()));
  }

  @Test
  void aFailedWriteOrARefusedCommitLeavesNoOutput(@TempDir Path tmp) throws IOException {
    Path out = Files.createDirectories(tmp.resolve("out")); // made empty by the service when it took the job
    Path work = Files.createDirectories(tmp.resolve("work"));
    StagedOutput output = new StagedOutput(out, work);
    assertThrows(IllegalStateException.class, () -> output.publish(CleanseListener.NONE, dir -> {
      writeModel(dir, "half");
      throw new IllegalStateException("disk full");
    }));
    CleanseListener fenced = new CleanseListener() {
      @Override
      public void beforeCommit(String what) {
        assertEquals("cleansed model", what);
        throw new CleanseCancelledException("lease lost");
      }
    };
    assertThrows(CleanseCancelledException.class, () -> output.publish(fenced, dir -> writeModel(dir, "w")));
    assertEquals(List.of(), names(out));
    assertEquals(List.of("out", "work"), names(tmp));
  }

  @Test
  void aCrashedAttemptsTempDirectoryNeitherBlocksNorOutlivesTheRetry(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("out");
    Path work = Files.createDirectories(tmp.resolve("work"));
    writeModel(Files.createDirectories(tmp.resolve(".out.partial-123")), "half of an earlier attempt");
    new StagedOutput(out, work).publish(CleanseListener.NONE, dir -> writeModel(dir, "weights"));
    assertEquals("weights", Files.readString(out.resolve("model.safetensors")));
    assertEquals(List.of("out", "work"), names(tmp));
  }

  @Test
  void anotherDirectoryWithFilesIsRefusedAndLeftAlone(@TempDir Path tmp) throws IOException {
    Path out = writeModel(Files.createDirectories(tmp.resolve("out")), "someone else's");
    StagedOutput output = new StagedOutput(out, Files.createDirectories(tmp.resolve("work")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, output::checkWritable);
    assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> output.publish(CleanseListener.NONE, dir -> dir));
    assertEquals("someone else's", Files.readString(out.resolve("model.safetensors")));
  }

  @Test
  void aRetryAfterAKillThatFollowedTheRenameReplacesItsOwnOutput(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("out");
    Path work = Files.createDirectories(tmp.resolve("work"));
    new StagedOutput(out, work).publish(CleanseListener.NONE, dir -> writeModel(dir, "first attempt"));
    // killed before the job was marked done: the retry, same work directory, finds its own output in place
    new StagedOutput(out, work).checkWritable();
    new StagedOutput(out, work).publish(CleanseListener.NONE, dir -> writeModel(dir, "retry"));
    assertEquals("retry", Files.readString(out.resolve("model.safetensors")));
    assertEquals(List.of("out", "work"), names(tmp));
    assertThrows(IllegalArgumentException.class,
        () -> new StagedOutput(out, Files.createDirectories(tmp.resolve("other-job"))).checkWritable(),
        "another cleanse's work directory does not own it");
  }
}
