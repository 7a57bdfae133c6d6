package org.beear.source;

import java.io.IOException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.beear.app.BeearProperties;
import org.beear.files.FileDigests;
import org.beear.files.InsufficientDiskSpaceException;
import org.beear.net.EgressPolicy;
import org.beear.net.FetchCancellation;
import org.beear.net.FetchCancelledException;
import org.beear.net.FetchLimits;
import org.beear.net.HostResolver;
import org.beear.net.HttpFetcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * {@code hf://ORG/NAME[@REVISION]}: a model on the Hugging Face Hub, a mirror or a self-hosted hub
 * ({@code beear.sources.hub.endpoint}), fetched through the hub's HTTP protocol ({@link HubClient}). The revision is
 * resolved to a commit on every fetch (which also checks access), and only the files {@link ModelFileFilter} wants
 * are downloaded, never pickles. The cache keeps one directory per hub, model and commit, so a second job on the
 * same commit downloads nothing; the snapshot is assembled in a staging directory of its own name, where an
 * interrupted download is resumed, and renamed into the cache once every file is whole and checked.
 */
@Component
public class HubModelSource implements ModelSource, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HubModelSource.class);

  private final HubProperties hub;
  private final HubClient client;
  private final EgressPolicy policy;
  private final HttpFetcher fetcher;
  private final ModelCache cache;
  private final long maxBytes;
  private final int maxFiles;
  private final Duration downloadTimeout;
  /** One fetch per snapshot at a time in this process: the second waits, then finds it in the cache. */
  private final ConcurrentMap<String, ReentrantLock> snapshots = new ConcurrentHashMap<>();

  @Autowired
  HubModelSource(BeearProperties properties, HubProperties hub, ModelCache cache) {
    this(properties, hub, cache, HostResolver.SYSTEM);
  }

  /** With a resolver of the caller's, so tests can give names addresses without a DNS server. */
  HubModelSource(BeearProperties properties, HubProperties hub, ModelCache cache, HostResolver resolver) {
    BeearProperties.Sources sources = properties.sources();
    this.hub = hub;
    this.cache = cache;
    this.maxBytes = sources.maxDownloadSize().toBytes();
    this.maxFiles = sources.maxArchiveEntries();
    this.downloadTimeout = sources.downloadTimeout();
    this.policy = EgressPolicy.allowing(sources.egress().allow());
    this.fetcher = new HttpFetcher(policy, new FetchLimits(
        sources.connectTimeout(), sources.readTimeout(), sources.downloadTimeout(), sources.maxRedirects(), maxBytes),
        resolver);
    this.client = new HubClient(fetcher, hub.endpointUri(), hub.token(), properties.storage().minFreeSpace().toBytes());
  }

  @Override
  public Set<String> schemes() {
    return Set.of("hf");
  }

  /**
   * The URI's form, and the hub endpoint's address as {@link S3Storage#checkEndpoint()} judges an S3 endpoint's:
   * without a lookup or a connection. Whether the model exists, and may be read, is the hub's to say when the worker
   * asks.
   */
  @Override
  public Optional<Path> check(URI uri) {
    HubRepo.parse(uri);
    try {
      if (policy.refusalWithoutLookup(hub.endpointUri().getHost()).isPresent()) {
        throw new SourceException("the hub endpoint's " + S3Storage.EGRESS_REFUSED);
      }
    } catch (UnknownHostException e) {
      throw new SourceException("the hub endpoint has an invalid address");
    }
    return Optional.empty();
  }

  @Override
  public FetchedModel fetch(URI uri, FetchCancellation cancellation) {
    HubRepo repo = HubRepo.parse(uri);
    if (!hub.tokenIsWellFormed()) {
      throw new SourceException(repo.shown() + ": the configured hub token (beear.sources.hub.token) is not a"
          + " token: it must be printable ASCII without spaces");
    }
    HubClient.Budget budget = new HubClient.Budget(maxBytes, downloadTimeout);
    HubClient.Revision revision = client.revision(repo, budget, cancellation);
    List<String> files = revision.files().stream().filter(ModelFileFilter::wanted).distinct().sorted().toList();
    String at = repo.shown() + "@" + revision.commit();
    if (!files.contains("config.json")) {
      throw new SourceException(at + " has no config.json: not a Hugging Face model");
    }
    if (files.stream().noneMatch(f -> f.endsWith(".safetensors"))) {
      throw new SourceException(at + " has no safetensors weights (pickle checkpoints such as pytorch_model.bin are"
          + " never fetched)");
    }
    if (files.size() > maxFiles) {
      throw new SourceException(at + " has more than " + maxFiles + " model files, the cap on one model");
    }
    String key = key(repo, revision.commit());
    ReentrantLock lock = snapshots.computeIfAbsent(key, k -> new ReentrantLock());
    acquire(lock, cancellation);
    try {
      cache.use(key);
      Path entry = cache.entry(key);
      if (Files.isDirectory(entry)) {
        log.info("{} ({}): commit {} is in the cache", repo.shown(), repo.revision(), revision.commit());
      } else {
        download(repo, revision.commit(), files, key, entry, budget, cancellation);
      }
      cache.evict();
      return new FetchedModel(entry, null, revision.commit(), List.of());
    } catch (InsufficientDiskSpaceException e) {
      log.warn("fetch of {} refused: {}", repo.shown(), e.getMessage());
      throw new SourceException(repo.shown() + ": fetch failed: " + e.withoutDirectory());
    } catch (IOException e) {
      log.warn("storing the download of {} failed", repo.shown(), e);
      throw new SourceException(repo.shown() + ": fetch failed: the download could not be stored");
    } finally {
      lock.unlock();
    }
  }

  private void download(HubRepo repo, String commit, List<String> files, String key, Path entry,
      HubClient.Budget budget, FetchCancellation cancellation) throws IOException {
    log.info("{} ({}): downloading {} files of commit {}", repo.shown(), repo.revision(), files.size(), commit);
    Path staging = cache.resumableStaging(key);
    try {
      for (String file : files) {
        if (cancellation.isCancelled()) {
          throw new FetchCancelledException();
        }
        client.download(repo, commit, file, staging, budget, cancellation);
      }
      Files.move(staging, entry, StandardCopyOption.ATOMIC_MOVE);
      cache.promoted(staging);
    } catch (IOException | RuntimeException e) {
      cache.keep(staging); // what arrived stays for the next attempt to resume
      throw e;
    }
  }

  /** Waits for another thread's fetch of the same snapshot, giving up when this fetch is cancelled. */
  private static void acquire(ReentrantLock lock, FetchCancellation cancellation) {
    try {
      while (!lock.tryLock(200, TimeUnit.MILLISECONDS)) {
        if (cancellation.isCancelled()) {
          throw new FetchCancelledException();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FetchCancelledException();
    }
  }

  /** The cache entry of one commit of one model on one hub: commits of different hubs never share an entry. */
  private String key(HubRepo repo, String commit) {
    var digest = FileDigests.sha256();
    digest.update((hub.endpointUri() + "\n" + repo.id() + "\n" + commit).getBytes(StandardCharsets.UTF_8));
    return "hf-" + HexFormat.of().formatHex(digest.digest());
  }

  @Override
  public void close() {
    fetcher.close();
  }
}
