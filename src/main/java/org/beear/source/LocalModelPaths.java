package org.beear.source;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/** Command-line model locations: a plain path or a file:// URI to an existing directory. */
public final class LocalModelPaths {
  private LocalModelPaths() {}

  public static Path fromCommandLine(String location) {
    Path dir;
    if (location.startsWith("file:")) {
      dir = Path.of(URI.create(location));
    } else if (location.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      throw new IllegalArgumentException("the command line reads local models only (a path or file:// URI), got "
          + location + "; the service downloads http(s) and s3 models");
    } else {
      dir = Path.of(location);
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("model directory " + dir + " does not exist");
    }
    return dir.toAbsolutePath().normalize();
  }
}
