package org.beear.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.beear.app.BeearProperties;
import org.beear.job.JobStatus;
import org.beear.source.ModelCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.util.FileSystemUtils;

/**
 * Frees the disk of jobs that have ended for good. A job's work directory ({@code <data-dir>/work/<job id>}) holds
 * its epoch checkpoints, as large as the trained weights: it is kept while the job can still resume (queued or
 * running) and deleted once the job succeeded, failed or was cancelled, or when no job of that id exists. Runs at
 * start-up and every reaper interval on every replica; it only reads the database, and deleting twice is
 * harmless. Each pass also removes the download cache's stale partial files.
 */
@Component
public class WorkDirectorySweeper extends PeriodicTask {

  private static final Logger log = LoggerFactory.getLogger(WorkDirectorySweeper.class);

  /** What one pass removed. */
  public record Sweep(List<Path> workDirectories, List<Path> partialFiles) {}

  private final JdbcTemplate jdbc;
  private final BeearProperties properties;
  /** Shared by every downloading source (http, hub, s3): one sweep covers their partial files. */
  private final ModelCache downloads;

  public WorkDirectorySweeper(JdbcTemplate jdbc, BeearProperties properties, ModelCache downloads) {
    super("beear-work-sweeper");
    this.jdbc = jdbc;
    this.properties = properties;
    this.downloads = downloads;
  }

  /** One pass: the work directories of ended or unknown jobs, and stale partial downloads. */
  public Sweep sweep() {
    Map<UUID, Path> dirs = workDirectories();
    Map<UUID, JobStatus> status = new HashMap<>();
    if (!dirs.isEmpty()) {
      jdbc.query("SELECT id, status FROM jobs WHERE id = ANY(?)",
          ps -> ps.setArray(1, ps.getConnection().createArrayOf("uuid", dirs.keySet().toArray())),
          rs -> {
            status.put(rs.getObject("id", UUID.class), JobStatus.fromWireName(rs.getString("status")));
          });
    }
    List<Path> removed = new ArrayList<>();
    dirs.forEach((id, dir) -> {
      JobStatus s = status.get(id);
      if ((s == null || s.isTerminal()) && delete(dir)) {
        removed.add(dir);
      }
    });
    if (!removed.isEmpty()) {
      log.info("removed the work directories of {} ended job(s)", removed.size());
    }
    return new Sweep(removed, downloads.sweepPartials());
  }

  /**
   * Deletes the work directory of a job that has ended for good (not one that may still resume: its checkpoint
   * would be lost).
   *
   * @return whether there was one
   */
  public boolean discard(UUID jobId) {
    return delete(properties.workDir(jobId.toString()));
  }

  /** The directories under {@code <data-dir>/work} named by a job id; anything else there is left alone. */
  private Map<UUID, Path> workDirectories() {
    Path root = properties.dataDir().resolve("work");
    Map<UUID, Path> dirs = new LinkedHashMap<>();
    if (!Files.isDirectory(root)) {
      return dirs;
    }
    try (Stream<Path> children = Files.list(root)) {
      children.filter(Files::isDirectory).forEach(dir -> {
        try {
          dirs.put(UUID.fromString(dir.getFileName().toString()), dir);
        } catch (IllegalArgumentException notAJob) {
          // not ours to judge
        }
      });
    } catch (IOException e) {
      log.warn("cannot list {}: {}", root, e.toString());
    }
    return dirs;
  }

  private static boolean delete(Path dir) {
    try {
      return FileSystemUtils.deleteRecursively(dir);
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", dir, e.toString());
      return false;
    }
  }

  @Override
  Duration interval() {
    return properties.worker().reaperInterval();
  }

  @Override
  boolean runAtStart() {
    return true;
  }

  @Override
  void runOnce() {
    sweep();
  }
}
