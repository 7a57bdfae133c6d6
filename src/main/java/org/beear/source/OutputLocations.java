package org.beear.source;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.beear.app.BeearProperties;
import org.beear.net.UriRedaction;
import org.springframework.stereotype.Component;

/** Where a job writes its cleansed model: a {@code file://} URI inside the allowed roots, or the default. */
@Component
public class OutputLocations {

  private final AllowedRoots roots;
  private final BeearProperties properties;

  public OutputLocations(AllowedRoots roots, BeearProperties properties) {
    this.roots = roots;
    this.properties = properties;
  }

  /**
   * The output URI a job will use, checked now so a job never fails at the end for a bad output location.
   *
   * @param requested the caller's {@code output_uri}, or null for {@code <data-dir>/outputs/<job-id>}
   */
  public URI resolve(String requested, String jobId) {
    if (requested == null || requested.isBlank()) {
      return properties.defaultOutputDir(jobId).toAbsolutePath().normalize().toUri();
    }
    URI uri = ModelSources.parse(requested);
    if (!"file".equalsIgnoreCase(uri.getScheme())) {
      throw new SourceException("only file:// output URIs are supported, got " + uri.getScheme() + "://");
    }
    Path path = roots.writable(uri);
    if (Files.isRegularFile(path)) {
      throw new SourceException(shown(requested) + " is a file; expected a directory");
    }
    if (Files.isDirectory(path) && !isEmpty(path)) {
      throw new SourceException(shown(requested) + " is not empty; choose a new or empty directory");
    }
    return path.toUri();
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
