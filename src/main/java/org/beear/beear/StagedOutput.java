package org.beear.beear;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Function;
import org.beear.files.DurableFiles;

/**
 * The cleanse's output directory, written aside and renamed into place: the model and report go into a hidden
 * sibling, {@code .<name>.partial-<random>} (same parent, so the rename is atomic), are forced to disk, and the
 * directory is renamed to the output location only when complete. A failure or a kill leaves no partial output;
 * a crashed attempt's temp directory is ignored and removed by the next publication.
 *
 * <p>The output location must be new or empty: files are never mixed with someone else's. The one exception is
 * this cleanse's own earlier publication (named in {@value #MARKER} in the work directory): an attempt killed after
 * its rename and before it could report success is retried, and its retry replaces what it had published.
 */
final class StagedOutput {
  /** In the work directory: the output this cleanse published or was about to publish. */
  static final String MARKER = "published-output";

  private final Path target;
  private final Path workDir;

  StagedOutput(Path target, Path workDir) {
    this.target = target.toAbsolutePath().normalize();
    this.workDir = workDir;
  }

  /** Fails, before any work, when the output location holds files that are not this cleanse's own output. */
  void checkWritable() {
    if (Files.exists(target) && !Files.isDirectory(target)) {
      throw new IllegalArgumentException("output " + target + " is a file; expected a new or empty directory");
    }
    if (!isEmpty(target) && !publishedByThisCleanse()) {
      throw new IllegalArgumentException("output directory " + target + " is not empty; the cleansed model is"
          + " written only to a new or empty directory, never mixed with other files");
    }
  }

  /**
   * Runs {@code write} on a fresh temp directory and publishes it as the output; {@code listener}'s
   * {@link CleanseListener#beforeCommit} comes right before the rename and may stop it. Returns what
   * {@code write} returned.
   */
  <T> T publish(CleanseListener listener, Function<Path, T> write) {
    try (Stage stage = stage()) {
      T written = write.apply(stage.dir());
      stage.publish(listener);
      return written;
    }
  }

  /**
   * A fresh temp directory for the output, to be written and then {@link Stage#publish published}, for a caller
   * that has more to do between the two than one function holds (the cleanse closes its model and checks what it
   * wrote). Closing a stage that was not published removes its directory.
   */
  Stage stage() {
    checkWritable();
    try {
      return new Stage(DurableFiles.newHiddenDirectory(target.getParent(), target.getFileName() + ".partial"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the output " + target + ": " + e.getMessage(), e);
    }
  }

  /** The output being written aside: {@link #dir()} until it is published or closed. */
  final class Stage implements AutoCloseable {
    private Path dir;

    private Stage(Path dir) {
      this.dir = dir;
    }

    Path dir() {
      if (dir == null) {
        throw new IllegalStateException("the staged output " + target + " was already published or discarded");
      }
      return dir;
    }

    /**
     * Forces what was written to disk and renames it to the output location; the listener's
     * {@link CleanseListener#beforeCommit} comes right before the rename and may stop it.
     */
    void publish(CleanseListener listener) {
      Path temp = dir();
      Path parent = target.getParent();
      String name = target.getFileName().toString();
      try {
        DurableFiles.forceTree(temp);
        // named before the rename: a kill right after it must still find the output to be this cleanse's own
        DurableFiles.writeAtomically(workDir.resolve(MARKER), target.toString().getBytes(StandardCharsets.UTF_8));
        listener.beforeCommit("cleansed model");
        Path replaced = null;
        if (!isEmpty(target)) { // this cleanse's own earlier output (checkWritable let nothing else through)
          replaced = DurableFiles.newHiddenDirectory(parent, name + ".replaced");
          Files.move(target, replaced, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        // rename(2) replaces an empty directory at the target, as the service makes them when a job is accepted
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        dir = null;
        DurableFiles.force(parent);
        if (replaced != null) {
          DurableFiles.deleteQuietly(replaced);
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot write the output " + target + ": " + e.getMessage(), e);
      }
      removeLeftovers(parent, name);
    }

    /** Removes the temp directory unless it was published. */
    @Override
    public void close() {
      if (dir != null) {
        DurableFiles.deleteQuietly(dir);
        dir = null;
      }
    }
  }

  /** Temp directories of earlier attempts at this output: invisible to users of it, but taking space. */
  private static void removeLeftovers(Path parent, String name) {
    try {
      for (Path p : DurableFiles.list(parent)) {
        String n = p.getFileName().toString();
        if (n.startsWith("." + name + ".partial-") || n.startsWith("." + name + ".replaced-")) {
          DurableFiles.deleteQuietly(p);
        }
      }
    } catch (IOException e) {
      // leftovers stay until the next publication of this output
    }
  }

  private boolean publishedByThisCleanse() {
    Path marker = workDir.resolve(MARKER);
    try {
      return Files.isRegularFile(marker)
          && Files.readString(marker, StandardCharsets.UTF_8).equals(target.toString());
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean isEmpty(Path dir) {
    if (!Files.isDirectory(dir)) {
      return true;
    }
    try (var entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      throw new IllegalStateException("cannot list the output " + dir + ": " + e.getMessage(), e);
    }
  }
}
