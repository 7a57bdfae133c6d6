package org.beear.source;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.beear.app.BeearProperties;
import org.beear.files.DiskSpace;
import org.beear.files.InsufficientDiskSpaceException;
import org.beear.net.EgressPolicy;
import org.beear.net.FetchCancellation;
import org.beear.net.FetchFailedException;
import org.beear.net.FetchLimits;
import org.beear.net.HostResolver;
import org.beear.net.HttpFetcher;
import org.beear.net.UriRedaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * A model directory packed as a {@code .tar.gz} or {@code .zip} archive at an http(s) URL. The archive is
 * streamed to the cache under the egress policy and fetch limits ({@link HttpFetcher}), hashed on the way;
 * extracted models are kept by digest, so the same archive is unpacked once however many jobs use it. The free
 * disk space is checked before the body arrives (for its declared length), every
 * {@value SpaceCheckingOutputStream#CHECK_BYTES} bytes while it does, and before the extraction; the cache keeps to
 * its budget ({@link ModelCache}).
 */
@Component
public class HttpModelSource implements ModelSource, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpModelSource.class);

  private static final String DOWNLOAD = "the model download";

  private final EgressPolicy policy;
  private final HttpFetcher fetcher;
  private final ModelCache cache;
  private final ArchiveExtractor.Limits extraction;
  private final long reserve;

  /** The service's: the cache is shared with the other downloading sources. */
  @Autowired
  HttpModelSource(BeearProperties properties, ModelCache cache) {
    this(properties, HostResolver.SYSTEM, cache);
  }

  /** With a cache of its own. */
  public HttpModelSource(BeearProperties properties) {
    this(properties, HostResolver.SYSTEM);
  }

  /** With a resolver of the caller's, so tests can give names addresses without a DNS server. */
  HttpModelSource(BeearProperties properties, HostResolver resolver) {
    this(properties, resolver, new ModelCache(properties));
  }

  private HttpModelSource(BeearProperties properties, HostResolver resolver, ModelCache cache) {
    BeearProperties.Sources sources = properties.sources();
    this.reserve = properties.storage().minFreeSpace().toBytes();
    this.cache = cache;
    this.extraction = new ArchiveExtractor.Limits(sources.extractedSizeCap(), sources.maxArchiveEntries(), reserve);
    this.policy = EgressPolicy.allowing(sources.egress().allow());
    this.fetcher = new HttpFetcher(policy, new FetchLimits(sources.connectTimeout(), sources.readTimeout(),
        sources.downloadTimeout(), sources.maxRedirects(), sources.maxDownloadSize().toBytes()), resolver);
  }

  @Override
  public Set<String> schemes() {
    return Set.of("http", "https");
  }

  /** Refuses what can be refused without a lookup or a connection: no host, or an address the policy refuses. */
  @Override
  public Optional<Path> check(URI uri) {
    String host = uri.getHost();
    if (host == null || host.isBlank()) {
      throw new SourceException(UriRedaction.redact(uri.toString()) + " has no host");
    }
    try {
      if (policy.refusalWithoutLookup(host).isPresent()) {
        throw new SourceException("address not allowed by egress policy");
      }
    } catch (UnknownHostException e) {
      throw new SourceException(UriRedaction.redact(uri.toString()) + " has an invalid address");
    }
    return Optional.empty();
  }

  @Override
  public FetchedModel fetch(URI uri, FetchCancellation cancellation) {
    check(uri);
    try {
      Path archive = cache.newPartial();
      try {
        String sha256 = download(uri, archive, cancellation);
        cache.use(sha256);
        FetchedModel fetched = new FetchedModel(modelDirectory(unpacked(archive, sha256)), sha256);
        cache.evict();
        return fetched;
      } finally {
        cache.discard(archive);
      }
    } catch (FetchFailedException e) {
      throw new SourceException(e.getMessage());
    } catch (InsufficientDiskSpaceException e) {
      log.warn("fetch of {} refused: {}", UriRedaction.redact(uri.toString()), e.getMessage());
      throw new SourceException("fetch failed: " + e.withoutDirectory());
    } catch (IOException e) {
      log.warn("storing the download of {} failed", UriRedaction.redact(uri.toString()), e);
      throw new SourceException("fetch failed: the download could not be stored");
    }
  }

  private String download(URI uri, Path archive, FetchCancellation cancellation) throws IOException {
    MessageDigest digest = sha256();
    Path dir = cache.downloadsDir();
    try (OutputStream out = new DigestOutputStream(new SpaceCheckingOutputStream(Files.newOutputStream(archive),
        dir, DOWNLOAD, reserve), digest)) {
      fetcher.download(uri, out, cancellation, length -> DiskSpace.require(dir, length, DOWNLOAD, reserve));
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** The extracted archive, unpacked now unless an earlier job already did. */
  private Path unpacked(Path archive, String sha256) throws IOException {
    Path done = cache.entry(sha256);
    if (Files.isDirectory(done)) {
      return done;
    }
    Path staging = cache.newStaging(sha256);
    try {
      ArchiveExtractor.extract(archive, staging, extraction);
      Files.move(staging, done, StandardCopyOption.ATOMIC_MOVE);
      cache.promoted(staging);
    } catch (IOException | RuntimeException e) {
      cache.discard(staging);
      if (Files.isDirectory(done)) {
        return done; // another worker unpacked the same archive first
      }
      throw e;
    }
    return done;
  }

  /** Archives often wrap the model in one top-level folder; look through it. */
  private static Path modelDirectory(Path root) {
    try (Stream<Path> entries = Files.list(root)) {
      var list = entries.toList();
      if (list.size() == 1 && Files.isDirectory(list.get(0))) {
        return list.get(0);
      }
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    fetcher.close();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
