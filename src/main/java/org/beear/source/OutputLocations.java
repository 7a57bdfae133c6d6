package org.beear.source;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.beear.app.BeearProperties;
import org.beear.net.UriRedaction;
import org.springframework.stereotype.Component;

/**
 * Where a job writes its cleansed model: a {@code file://} URI inside the allowed roots, an {@code s3://bucket/prefix}
 * (uploaded by {@link OutputSink}), or the default.
 */
@Component
public class OutputLocations {

  private final AllowedRoots roots;
  private final BeearProperties properties;
  private final S3Storage s3;

  public OutputLocations(AllowedRoots roots, BeearProperties properties, S3Storage s3) {
    this.roots = roots;
    this.properties = properties;
    this.s3 = s3;
  }

  /**
   * The output URI a job will use, checked now so a job never fails at the end for a bad output location. An
   * {@code s3://} output is checked for its form and the endpoint's address only (no network on the request
   * thread): the worker checks that the prefix is empty before the cleanse starts. It comes back normalised
   * ({@code s3://bucket/prefix/}), so two spellings of one prefix are one output location to the unique index.
   *
   * @param requested the caller's {@code output_uri}, or null for {@code <data-dir>/outputs/<job-id>}
   */
  public URI resolve(String requested, String jobId) {
    if (requested == null || requested.isBlank()) {
      return properties.defaultOutputDir(jobId).toAbsolutePath().normalize().toUri();
    }
    URI uri = ModelSources.parse(requested);
    if (S3Location.isS3(uri)) {
      S3Location location = S3Location.parse(uri);
      s3.checkEndpoint();
      return location.uri();
    }
    if (!"file".equalsIgnoreCase(uri.getScheme())) {
      throw new SourceException("output URIs are file:// or s3://, got " + uri.getScheme() + "://");
    }
    Path path = roots.writable(uri);
    requireOutsideServiceState(path, requested);
    if (Files.isRegularFile(path)) {
      throw new SourceException(shown(requested) + " is a file; expected a directory");
    }
    if (Files.isDirectory(path) && !isEmpty(path)) {
      throw new SourceException(shown(requested) + " is not empty; choose a new or empty directory");
    }
    return path.toUri();
  }

  /**
   * The data directory holds the database, the model cache and the jobs' work directories, which the service
   * deletes and rewrites on its own: an output there could be evicted, swept or could overwrite state. Only its
   * {@code outputs} directory (where default outputs go) takes outputs.
   */
  private void requireOutsideServiceState(Path path, String requested) {
    Path dataDir = real(properties.dataDir());
    Path outputs = dataDir.resolve("outputs");
    if (path.startsWith(dataDir) && !(path.startsWith(outputs) && !path.equals(outputs))) {
      throw new SourceException(shown(requested) + " is inside the service's data directory (database, model"
          + " cache, work directories); outputs may go there only under " + outputs.toUri());
    }
  }

  private static Path real(Path path) {
    Path absolute = path.toAbsolutePath().normalize();
    try {
      return Files.exists(absolute) ? absolute.toRealPath() : absolute;
    } catch (IOException e) {
      return absolute;
    }
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      throw new SourceException(dir.toUri() + " cannot be listed");
    }
  }

  /** The URI as messages may show it: without user info or query. */
  private static String shown(String uri) {
    return UriRedaction.redact(String.valueOf(uri));
  }
}
