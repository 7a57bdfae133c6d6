package org.beear.source;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.stereotype.Component;

/**
 * Defender and anchoring data sets: {@code file://} files the tenant may read ({@link AllowedRoots}). A link is
 * resolved and its target checked, so it reaches nothing the URI could not name itself.
 */
@Component
public class DataFiles {

  private final AllowedRoots roots;

  public DataFiles(AllowedRoots roots) {
    this.roots = roots;
  }

  /** The local file (its real path), or null for "use the engine's defaults". */
  public Path resolve(String uri, String tenant) {
    if (uri == null || uri.isBlank()) {
      return null;
    }
    URI parsed = ModelSources.parse(uri);
    if (!"file".equalsIgnoreCase(parsed.getScheme())) {
      throw new SourceException("data sets are read from file:// URIs only for now, got " + parsed.getScheme()
          + "://");
    }
    Path file = roots.readable(parsed, tenant);
    if (!Files.isRegularFile(file)) {
      throw new FileUriException(AllowedRoots.shown(parsed) + " is not a file");
    }
    return file;
  }
}
