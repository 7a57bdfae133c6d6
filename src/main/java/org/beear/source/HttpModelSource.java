package org.beear.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.beear.app.BeearProperties;
import org.springframework.stereotype.Component;
import org.springframework.util.FileSystemUtils;

/**
 * A model directory packed as a {@code .tar.gz} or {@code .zip} archive at an http(s) URL. The archive is
 * streamed to the cache with a size cap and hashed on the way; extracted models are kept by digest, so the same
 * archive is unpacked once however many jobs use it.
 */
@Component
public class HttpModelSource implements ModelSource {

  private final Path cacheDir;
  private final long maxBytes;
  private final Duration timeout;
  private final HttpClient client;

  public HttpModelSource(BeearProperties properties) {
    this.cacheDir = properties.downloadCacheDir();
    this.maxBytes = properties.sources().maxDownloadSize().toBytes();
    this.timeout = properties.sources().downloadTimeout();
    this.client = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(30))
        .build();
  }

  @Override
  public Set<String> schemes() {
    return Set.of("http", "https");
  }

  @Override
  public Optional<Path> check(URI uri) {
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw new SourceException(uri + " has no host");
    }
    return Optional.empty();
  }

  @Override
  public FetchedModel fetch(URI uri) {
    check(uri);
    try {
      Files.createDirectories(cacheDir.resolve("downloads"));
      Path archive = cacheDir.resolve("downloads").resolve(UUID.randomUUID() + ".part");
      try {
        String sha256 = download(uri, archive);
        return new FetchedModel(modelDirectory(unpacked(archive, sha256)), sha256);
      } finally {
        Files.deleteIfExists(archive);
      }
    } catch (IOException e) {
      throw new SourceException("downloading " + uri + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SourceException("downloading " + uri + " was interrupted", e);
    }
  }

  private String download(URI uri, Path archive) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      if (response.statusCode() / 100 != 2) {
        throw new SourceException("GET " + uri + " answered HTTP " + response.statusCode());
      }
      long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      if (declared > maxBytes) {
        throw tooLarge(uri);
      }
      MessageDigest digest = sha256();
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(archive), digest)) {
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        for (int n; (n = body.read(buffer)) >= 0; ) {
          total += n;
          if (total > maxBytes) {
            throw tooLarge(uri);
          }
          out.write(buffer, 0, n);
        }
      }
      return HexFormat.of().formatHex(digest.digest());
    }
  }

  private SourceException tooLarge(URI uri) {
    return new SourceException(uri + " is larger than the download cap of " + maxBytes + " bytes");
  }

  /** The extracted archive, unpacked now unless an earlier job already did. */
  private Path unpacked(Path archive, String sha256) throws IOException {
    Path models = cacheDir.resolve("models");
    Path done = models.resolve(sha256);
    if (Files.isDirectory(done)) {
      return done;
    }
    Path staging = models.resolve(sha256 + ".tmp-" + UUID.randomUUID());
    try {
      ArchiveExtractor.extract(archive, staging);
      Files.move(staging, done, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      FileSystemUtils.deleteRecursively(staging);
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

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
