package org.beear.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.beear.app.BeearProperties;
import org.beear.files.DiskSpace;
import org.beear.files.InsufficientDiskSpaceException;
import org.beear.net.FetchCancellation;
import org.beear.net.FetchCancelledException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A model directory under an {@code s3://bucket/prefix}: the objects directly under the prefix that
 * {@link ModelFileFilter} wants (safetensors, configs, tokenizer; never pickles) are downloaded into the model cache,
 * each checked against its checksum ({@link S3Checksums}) and its listed size. The cache entry is keyed by the
 * endpoint, bucket, prefix and the objects' names, sizes and ETags, so the same model is fetched once however many
 * jobs use it, and a changed model is fetched again. The download cap ({@code beear.sources.max-download-size}) and
 * the free disk space are checked before the first byte, and the disk again every {@value #SPACE_CHECK_BYTES}
 * bytes; the cache keeps to its budget. The model's digest is the SHA-256 of its {@code SHA256SUMS} (one line per
 * file, sorted by name, as {@code sha256sum} writes them).
 */
@Component
public class S3ModelSource implements ModelSource {

  private static final Logger log = LoggerFactory.getLogger(S3ModelSource.class);
  static final long SPACE_CHECK_BYTES = 64L << 20;
  private static final String DOWNLOAD = "the model download";
  private static final String MODEL = "model";
  private static final String SUMS = "SHA256SUMS";

  private final S3Storage storage;
  private final ModelCache cache;
  private final long maxBytes;
  private final long reserve;
  private final Duration timeout;

  /** With a cache of its own. */
  public S3ModelSource(S3Storage storage, BeearProperties properties) {
    this(storage, properties, new ModelCache(properties));
  }

  /** The service's: the cache is shared with the other downloading sources. */
  @org.springframework.beans.factory.annotation.Autowired
  S3ModelSource(S3Storage storage, BeearProperties properties, ModelCache cache) {
    this.storage = storage;
    BeearProperties.Sources sources = properties.sources();
    this.cache = cache;
    this.maxBytes = sources.maxDownloadSize().toBytes();
    this.reserve = properties.storage().minFreeSpace().toBytes();
    this.timeout = sources.downloadTimeout();
  }

  @Override
  public Set<String> schemes() {
    return Set.of("s3");
  }

  /** The URI's form and the endpoint's address, without the network. */
  @Override
  public Optional<Path> check(URI uri) {
    S3Location.parse(uri);
    storage.checkEndpoint();
    return Optional.empty();
  }

  @Override
  public FetchedModel fetch(URI uri, FetchCancellation cancellation) {
    S3Location location = S3Location.parse(uri);
    storage.checkEndpoint();
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      List<S3Object> objects = list(location);
      long total = objects.stream().mapToLong(S3Object::size).sum();
      if (total > maxBytes) {
        throw new SourceException("fetch failed: the model's files are " + DiskSpace.format(total)
            + ", more than the download cap of " + DiskSpace.format(maxBytes));
      }
      String key = cacheKey(location, objects);
      cache.use(key);
      Path entry = cache.entry(key);
      if (!Files.isDirectory(entry)) {
        download(location, objects, key, total, cancellation, deadline);
      }
      FetchedModel fetched = new FetchedModel(entry.resolve(MODEL), digest(Files.readAllBytes(entry.resolve(SUMS))));
      cache.evict();
      return fetched;
    } catch (SdkException e) {
      if (cancellation.isCancelled()) {
        throw new FetchCancelledException();
      }
      log.warn("fetch of {} failed", location, e);
      throw new SourceException("fetch failed: " + S3Storage.describe(e));
    } catch (InsufficientDiskSpaceException e) {
      log.warn("fetch of {} refused: {}", location, e.getMessage());
      throw new SourceException("fetch failed: " + e.withoutDirectory());
    } catch (IOException e) {
      if (cancellation.isCancelled()) {
        throw new FetchCancelledException();
      }
      log.warn("storing the download of {} failed", location, e);
      throw new SourceException("fetch failed: the download could not be stored");
    }
  }

  /** The wanted objects directly under the prefix, by name; none is an error the caller can act on. */
  private List<S3Object> list(S3Location location) {
    String prefix = location.listPrefix();
    List<S3Object> wanted = new ArrayList<>();
    storage.client().listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(location.bucket()).prefix(prefix)
        .delimiter("/").build()).contents().forEach(o -> {
          if (ModelFileFilter.wanted(o.key().substring(prefix.length()))) {
            wanted.add(o);
          }
        });
    if (wanted.isEmpty()) {
      throw new SourceException("fetch failed: " + location + " holds no model files (config.json, *.safetensors,"
          + " tokenizer files)");
    }
    wanted.sort(Comparator.comparing(S3Object::key));
    return wanted;
  }

  private String cacheKey(S3Location location, List<S3Object> objects) {
    StringBuilder identity = new StringBuilder("s3\n").append(storage.endpointName()).append('\n')
        .append(location.bucket()).append('\n').append(location.prefix()).append('\n');
    for (S3Object o : objects) {
      identity.append(o.key()).append(' ').append(o.size()).append(' ').append(o.eTag()).append('\n');
    }
    return digest(identity.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Downloads into a fresh staging directory and renames it into place complete. */
  private void download(S3Location location, List<S3Object> objects, String key, long total,
      FetchCancellation cancellation, long deadline) throws IOException {
    Path staging = cache.newStaging(key);
    try {
      DiskSpace.require(cache.modelsDir(), total, DOWNLOAD, reserve);
      Path dir = Files.createDirectories(staging.resolve(MODEL));
      StringBuilder sums = new StringBuilder();
      for (S3Object object : objects) {
        String name = object.key().substring(location.listPrefix().length());
        String sha256 = downloadObject(location, object, dir.resolve(name), cancellation, deadline);
        sums.append(sha256).append("  ").append(name).append('\n');
      }
      Files.writeString(staging.resolve(SUMS), sums);
      Files.move(staging, cache.entry(key), StandardCopyOption.ATOMIC_MOVE);
      cache.promoted(staging);
    } catch (IOException | RuntimeException e) {
      cache.discard(staging);
      if (!Files.isDirectory(cache.entry(key))) {
        throw e;
      }
      // another worker downloaded the same objects first
    }
  }

  /** One object, checked against its checksum and listed size; returns its SHA-256. */
  private String downloadObject(S3Location location, S3Object object, Path target, FetchCancellation cancellation,
      long deadline) throws IOException {
    S3Client client = storage.client();
    String name = target.getFileName().toString();
    HeadObjectResponse head = client.headObject(HeadObjectRequest.builder().bucket(location.bucket())
        .key(object.key()).ifMatch(object.eTag()).checksumMode(ChecksumMode.ENABLED).build());
    S3Checksums.Verifier verifier = S3Checksums.forDownload(head);
    MessageDigest sha256 = S3Checksums.digest("SHA-256");
    long received = 0;
    long sinceCheck = 0;
    // If-Match: an object replaced since the listing is an error, not a mix of two models
    GetObjectRequest get = GetObjectRequest.builder().bucket(location.bucket()).key(object.key())
        .ifMatch(object.eTag()).build();
    try (ResponseInputStream<GetObjectResponse> in = client.getObject(get);
        OutputStream out = Files.newOutputStream(target)) {
      cancellation.attach(in::abort);
      byte[] buffer = new byte[1 << 16];
      for (int n = read(in, buffer, cancellation); n >= 0; n = read(in, buffer, cancellation)) {
        received += n;
        sinceCheck += n;
        if (received > object.size()) {
          throw new SourceException("fetch failed: " + name + " is larger than its listed size");
        }
        if (System.nanoTime() > deadline) {
          throw new SourceException("fetch failed: the download took longer than " + timeout);
        }
        if (sinceCheck >= SPACE_CHECK_BYTES) {
          sinceCheck = 0;
          DiskSpace.require(target.getParent(), SPACE_CHECK_BYTES, DOWNLOAD, reserve);
        }
        verifier.update(buffer, 0, n);
        sha256.update(buffer, 0, n);
        out.write(buffer, 0, n);
      }
    } finally {
      cancellation.detach();
    }
    if (received != object.size()) {
      throw new SourceException("fetch failed: " + name + " ended after " + received + " of " + object.size()
          + " bytes");
    }
    if (!verifier.matches()) {
      throw new SourceException("fetch failed: " + name + " does not match its " + verifier.kind() + " checksum");
    }
    log.debug("{}: {} bytes, verified by {}", object.key(), received, verifier.kind());
    return HexFormat.of().formatHex(sha256.digest());
  }

  private static int read(InputStream in, byte[] buffer, FetchCancellation cancellation) throws IOException {
    if (cancellation.isCancelled()) {
      throw new FetchCancelledException();
    }
    return in.read(buffer);
  }

  private static String digest(byte[] bytes) {
    return HexFormat.of().formatHex(S3Checksums.digest("SHA-256").digest(bytes));
  }
}
