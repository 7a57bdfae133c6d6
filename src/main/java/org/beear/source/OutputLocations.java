package org.beear.source;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import org.beear.net.UriRedaction;
import org.springframework.stereotype.Component;

/**
 * Where a job writes its cleansed model: a {@code file://} URI the tenant may write ({@link AllowedRoots#writable}),
 * an {@code s3://bucket/prefix} (uploaded by {@link OutputSink}), or the default {@code <data-dir>/outputs/<job id>}.
 */
@Component
public class OutputLocations {

  private final AllowedRoots roots;
  private final S3Storage s3;

  public OutputLocations(AllowedRoots roots, S3Storage s3) {
    this.roots = roots;
    this.s3 = s3;
  }

  /**
   * The output URI a job will use, checked now so a job never fails at the end for a bad output location. An
   * {@code s3://} output is checked for its form and the endpoint's address only (no network on the request
   * thread): the worker checks that the prefix is empty before the cleanse starts. It comes back normalised
   * ({@code s3://bucket/prefix/}; a {@code file://} directory without a trailing {@code /}), so two spellings of
   * one location are one output location to the unique index.
   *
   * @param requested the caller's {@code output_uri}, or null for {@code <data-dir>/outputs/<job-id>}
   * @param jobId     the new job's id
   * @param tenant    the new job's tenant
   */
  public URI resolve(String requested, UUID jobId, String tenant) {
    if (requested == null || requested.isBlank()) {
      return URI.create(AllowedRoots.uriOf(roots.defaultOutput(jobId)));
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
    Path path = roots.writable(uri, tenant, jobId);
    if (Files.isRegularFile(path)) {
      throw new FileUriException(shown(requested) + " is a file; expected a directory");
    }
    if (Files.isDirectory(path) && !isEmpty(path, requested)) {
      throw new FileUriException(shown(requested) + " is not empty; choose a new or empty directory");
    }
    return URI.create(AllowedRoots.uriOf(path));
  }

  private static boolean isEmpty(Path dir, String requested) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      throw new FileUriException(shown(requested) + " cannot be listed");
    }
  }

  /** The URI as messages may show it: without user info or query. */
  private static String shown(String uri) {
    return UriRedaction.redact(String.valueOf(uri));
  }
}
