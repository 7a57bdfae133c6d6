package org.beear.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.beear.app.BeearProperties;
import org.beear.net.UriRedaction;
import org.springframework.stereotype.Component;

/**
 * The directories {@code file://} URIs may point into. Paths are compared after resolving symbolic links, so
 * neither {@code ..} nor a link inside a root can reach outside it.
 */
@Component
public class AllowedRoots {

  private final List<Path> roots;

  public AllowedRoots(BeearProperties properties) {
    this.roots = properties.effectiveAllowedRoots().stream().map(AllowedRoots::realRoot).toList();
  }

  private static Path realRoot(Path root) {
    try {
      Files.createDirectories(root);
      return root.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("allowed root " + root + " is not usable", e);
    }
  }

  public List<Path> roots() {
    return roots;
  }

  /** The real path of an existing file or directory named by a {@code file://} URI inside the roots. */
  public Path existing(URI uri) {
    Path path = pathOf(uri);
    Path real;
    try {
      real = path.toRealPath();
    } catch (IOException e) {
      throw new SourceException(shown(uri) + " does not exist");
    }
    requireInside(uri, real);
    return real;
  }

  /**
   * Where a {@code file://} URI points for writing: the path need not exist, but its nearest existing ancestor is
   * resolved for links and the whole must stay inside the roots.
   */
  public Path writable(URI uri) {
    Path path = pathOf(uri);
    Path existing = path;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      throw new SourceException(shown(uri) + " is outside the allowed roots");
    }
    try {
      Path real = existing.toRealPath().resolve(existing.relativize(path)).normalize();
      requireInside(uri, real);
      return real;
    } catch (IOException e) {
      throw new SourceException(shown(uri) + " cannot be resolved");
    }
  }

  private Path pathOf(URI uri) {
    if (!"file".equalsIgnoreCase(uri.getScheme())) {
      throw new SourceException("expected a file:// URI, got " + shown(uri));
    }
    if (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) {
      throw new SourceException(shown(uri) + " names a host; use file:///absolute/path");
    }
    String raw = uri.getPath();
    if (raw == null || !raw.startsWith("/")) {
      throw new SourceException(shown(uri) + " is not an absolute file:/// path");
    }
    for (String segment : raw.split("/")) {
      if (segment.equals("..")) {
        throw new SourceException(shown(uri) + " contains '..'");
      }
    }
    return Path.of(raw).normalize();
  }

  private void requireInside(URI uri, Path real) {
    if (roots.stream().noneMatch(real::startsWith)) {
      throw new SourceException(shown(uri) + " is outside the allowed roots");
    }
  }

  /** The URI as messages may show it: without user info or query. */
  private static String shown(URI uri) {
    return UriRedaction.redact(String.valueOf(uri));
  }
}
