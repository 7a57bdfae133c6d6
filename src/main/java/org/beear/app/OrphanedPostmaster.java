package org.beear.app;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes this process the one owner of an embedded PostgreSQL data directory, and stops a server that a dead owner
 * left running on it. The lock is the proof of death: a live owner holds it until it exits (the kernel releases it
 * however the process ends), so a server still running on a directory whose lock we got belongs to nobody.
 */
final class OrphanedPostmaster {

  private static final Logger log = LoggerFactory.getLogger(OrphanedPostmaster.class);
  private static final Duration SMART_SHUTDOWN = Duration.ofSeconds(30);
  private static final Duration KILLED = Duration.ofSeconds(10);
  /** Held for the life of the JVM: releasing a lock would let a second process take the directory over. */
  private static final List<FileLock> HELD = new ArrayList<>();

  private OrphanedPostmaster() {}

  /**
   * Locks {@code <dataDirectory>/../postgres.lock} for this JVM, then stops an orphaned server on the directory.
   *
   * @throws IOException when another live process owns the directory
   */
  static synchronized void ownDataDirectory(Path dataDirectory) throws IOException {
    Path lockFile = dataDirectory.resolveSibling(dataDirectory.getFileName() + ".lock");
    FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock = channel.tryLock();
    if (lock == null) {
      channel.close();
      throw new IOException("another running beear process uses the data directory " + dataDirectory.getParent()
          + " (it holds " + lockFile + "); stop it, or give this one its own beear.data-dir");
    }
    HELD.add(lock);
    channel.truncate(0).write(java.nio.ByteBuffer.wrap(
        (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
    orphan(dataDirectory).ifPresent(OrphanedPostmaster::stop);
  }

  /** The server process named by {@code postmaster.pid}, if it is still a running postgres. */
  static Optional<ProcessHandle> orphan(Path dataDirectory) throws IOException {
    Path pidFile = dataDirectory.resolve("postmaster.pid");
    if (!Files.isRegularFile(pidFile)) {
      return Optional.empty();
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
    long pid;
    try {
      pid = lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return Optional.empty(); // a torn pid file: postgres itself treats it as stale
    }
    // the pid may have been reused by an unrelated process since: only a postgres is ours to stop
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .filter(p -> p.info().command().map(c -> c.endsWith("/postgres") || c.endsWith("postgres.exe"))
            .orElse(false));
  }

  /** SIGTERM is PostgreSQL's smart shutdown: it finishes at once, as the dead owner's connections are gone. */
  private static void stop(ProcessHandle postmaster) {
    log.warn("stopping the embedded PostgreSQL (pid {}) that a previous, dead beear process left running",
        postmaster.pid());
    postmaster.destroy();
    if (!waitFor(postmaster, SMART_SHUTDOWN)) {
      log.warn("the orphaned PostgreSQL (pid {}) ignored a shutdown request; killing it", postmaster.pid());
      postmaster.destroyForcibly();
      waitFor(postmaster, KILLED);
    }
  }

  private static boolean waitFor(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return !process.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }
}
