package org.beear.source;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.beear.net.UriRedaction;
import org.springframework.stereotype.Component;

/** Defender and anchoring data sets: {@code file://} files inside the allowed roots. */
@Component
public class DataFiles {

  private final AllowedRoots roots;

  public DataFiles(AllowedRoots roots) {
    this.roots = roots;
  }

  /** The local file, or null for "use the engine's defaults". */
  public Path resolve(String uri) {
    if (uri == null || uri.isBlank()) {
      return null;
    }
    URI parsed = ModelSources.parse(uri);
    if (!"file".equalsIgnoreCase(parsed.getScheme())) {
      throw new SourceException("data sets are read from file:// URIs only for now, got " + parsed.getScheme()
          + "://");
    }
    Path file = roots.existing(parsed);
    if (!Files.isRegularFile(file)) {
      throw new SourceException(shown(uri) + " is not a file");
    }
    return file;
  }

  /** The URI as messages may show it: without user info or query. */
  private static String shown(String uri) {
    return UriRedaction.redact(String.valueOf(uri));
  }
}
