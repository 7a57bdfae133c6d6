package org.beear.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.beear.app.BeearProperties;
import org.beear.files.DiskSpace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import org.springframework.util.FileSystemUtils;

/**
 * The download cache on disk: {@code downloads/} holds archives while they arrive ({@code <uuid>.part}),
 * {@code models/<sha256>} the unpacked models, {@code models/<sha256>.tmp-<uuid>} an extraction in progress;
 * {@code models/hf-<key>} a hub snapshot of one commit, {@code models/hf-<key>.tmp-resume} one on its way in.
 * One instance serves every source, so an entry in use by any of them is safe from the others' evictions.
 *
 * <p>The unpacked models have a size budget. Each use touches the entry's modification time; after a download the
 * least recently used entries are removed until the cache fits, never one in use in this process. An entry is in
 * use by the thread that fetched it last, until that thread fetches again or ends: a worker thread runs one job at
 * a time from fetch to end, so that is the job's whole run. (Another process sharing the directory is not seen:
 * give each its own cache, or a budget that holds what they use at once.)
 *
 * <p>Partial files are deleted when their download or extraction fails. Left-overs of a process that died are
 * removed by {@link #sweepPartials()} once nothing has written to them for longer than a whole download may take,
 * so a process that starts never deletes the download another live process is writing into a shared directory.
 */
@Component
public final class ModelCache {

  private static final Logger log = LoggerFactory.getLogger(ModelCache.class);
  private static final String STAGING = ".tmp-";
  private static final String EVICTED = ".evicted-";
  private static final String PARTIAL = ".part";

  private final Path downloads;
  private final Path models;
  private final long budget;
  private final Duration staleAfter;
  private final Map<Thread, Path> inUse = new ConcurrentHashMap<>();
  /** Partial files and staging directories this process is writing now. */
  private final Set<Path> writing = ConcurrentHashMap.newKeySet();

  @Autowired
  ModelCache(BeearProperties properties) {
    this(properties.downloadCacheDir(), properties.storage().cacheMaxSize().toBytes(),
        properties.sources().downloadTimeout());
  }

  ModelCache(Path cacheDir, long budgetBytes, Duration staleAfter) {
    this.downloads = cacheDir.resolve("downloads");
    this.models = cacheDir.resolve("models");
    this.budget = budgetBytes;
    this.staleAfter = staleAfter;
  }

  Path modelsDir() {
    return models;
  }

  Path downloadsDir() {
    return downloads;
  }

  /** A fresh partial file for an archive on its way in; {@link #discard} it when done. */
  Path newPartial() throws IOException {
    Files.createDirectories(downloads);
    Path partial = downloads.resolve(UUID.randomUUID() + PARTIAL);
    writing.add(partial);
    return partial;
  }

  /** A fresh staging directory to unpack the archive of this digest into. */
  Path newStaging(String sha256) throws IOException {
    Files.createDirectories(models);
    Path staging = models.resolve(sha256 + STAGING + UUID.randomUUID());
    writing.add(staging);
    return staging;
  }

  /**
   * The staging directory of a download of several files (a hub snapshot) at a fixed name per entry: an attempt
   * that broke off leaves its finished files and its partial one there for the next attempt to resume. Give it up
   * with {@link #keep} on failure: like any partial, it is swept once nothing has touched it for longer than a
   * download may take. The caller makes sure that one thread at a time uses it.
   */
  Path resumableStaging(String key) throws IOException {
    Path staging = models.resolve(key + STAGING + "resume");
    Files.createDirectories(staging);
    writing.add(staging);
    return staging;
  }

  /** A staging directory this process stops writing to but keeps for a later attempt to resume. */
  void keep(Path staging) {
    writing.remove(staging);
  }

  /** Deletes a partial file or staging directory of this process (gone already is fine). */
  void discard(Path partial) {
    try {
      FileSystemUtils.deleteRecursively(partial);
    } catch (IOException e) {
      log.warn("could not remove {}: {}", partial, e.toString());
    } finally {
      writing.remove(partial);
    }
  }

  /** A staging directory that became an entry: no longer partial. */
  void promoted(Path staging) {
    writing.remove(staging);
  }

  Path entry(String sha256) {
    return models.resolve(sha256);
  }

  /**
   * Marks the entry of this digest as used now and in use by the calling thread (releasing the entry it used
   * before). Call before the entry exists, too, so no eviction takes it while it is being unpacked.
   */
  void use(String sha256) {
    Path entry = entry(sha256);
    inUse.put(Thread.currentThread(), entry);
    if (Files.isDirectory(entry)) {
      try {
        Files.setLastModifiedTime(entry, FileTime.from(Instant.now()));
      } catch (IOException e) {
        log.warn("could not mark {} as used: {}", entry, e.toString());
      }
    }
  }

  /**
   * Removes least recently used entries until the unpacked models fit the budget, skipping those in use.
   *
   * @return the entries removed, oldest first
   */
  synchronized List<Path> evict() {
    inUse.keySet().removeIf(t -> !t.isAlive());
    Set<Path> pinned = Set.copyOf(inUse.values());
    record Entry(Path path, long bytes, FileTime used) {}
    List<Entry> entries = new ArrayList<>();
    for (Path p : list(models)) {
      String name = p.getFileName().toString();
      if (Files.isDirectory(p) && !name.contains(STAGING) && !name.contains(EVICTED)) {
        entries.add(new Entry(p, DiskSpace.treeSize(p), modified(p)));
      }
    }
    long total = entries.stream().mapToLong(Entry::bytes).sum();
    List<Path> removed = new ArrayList<>();
    entries.sort(Comparator.comparing(Entry::used));
    for (Entry e : entries) {
      if (total <= budget) {
        break;
      }
      if (pinned.contains(e.path())) {
        continue;
      }
      if (remove(e.path())) {
        total -= e.bytes();
        removed.add(e.path());
      }
    }
    if (!removed.isEmpty()) {
      log.info("model cache: removed {} least recently used model(s) to fit the budget of {}", removed.size(),
          DiskSpace.format(budget));
    }
    if (total > budget) {
      log.warn("model cache holds {}, over its budget of {}: the rest is in use", DiskSpace.format(total),
          DiskSpace.format(budget));
    }
    return removed;
  }

  /**
   * Renamed out of the way first, so a fetch that finds the entry finds it whole; then deleted.
   *
   * @return whether it is gone
   */
  private boolean remove(Path entry) {
    Path doomed = entry.resolveSibling(entry.getFileName() + EVICTED + UUID.randomUUID());
    try {
      Files.move(entry, doomed, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      log.warn("could not evict {}: {}", entry, e.toString());
      return false;
    }
    try {
      FileSystemUtils.deleteRecursively(doomed);
    } catch (IOException e) {
      log.warn("could not delete evicted {} (the next sweep retries): {}", doomed, e.toString());
    }
    return true;
  }

  /**
   * Deletes partial downloads, abandoned extractions and half-deleted evictions that no thread of this process is
   * writing and nothing has touched for longer than a download may take.
   *
   * @return what was removed
   */
  public List<Path> sweepPartials() {
    List<Path> removed = new ArrayList<>();
    Instant cutoff = Instant.now().minus(staleAfter);
    List<Path> candidates = new ArrayList<>();
    list(downloads).stream().filter(p -> p.getFileName().toString().endsWith(PARTIAL)).forEach(candidates::add);
    list(models).stream().filter(p -> p.getFileName().toString().contains(STAGING)
        || p.getFileName().toString().contains(EVICTED)).forEach(candidates::add);
    for (Path p : candidates) {
      boolean evicted = p.getFileName().toString().contains(EVICTED);
      if (writing.contains(p) || !evicted && newestModification(p).isAfter(cutoff)) {
        continue;
      }
      try {
        if (FileSystemUtils.deleteRecursively(p)) {
          removed.add(p);
        }
      } catch (IOException e) {
        log.warn("could not remove the partial {}: {}", p, e.toString());
      }
    }
    return removed;
  }

  /** The newest modification time of the path and, for a directory, everything in it. */
  private static Instant newestModification(Path p) {
    try (Stream<Path> tree = Files.walk(p)) {
      return tree.map(ModelCache::modified).max(Comparator.naturalOrder()).map(FileTime::toInstant)
          .orElse(Instant.EPOCH);
    } catch (IOException | UncheckedIOException e) {
      return Instant.now(); // changing under us: someone is at work there
    }
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.from(Instant.now());
    }
  }

  private static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
