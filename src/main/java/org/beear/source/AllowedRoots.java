package org.beear.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.beear.app.BeearProperties;
import org.beear.net.UriRedaction;
import org.springframework.stereotype.Component;

/**
 * Which local files a tenant's {@code file://} URIs may name. Paths are compared after resolving symbolic links,
 * so neither {@code ..} nor a link can reach past these rules.
 *
 * <ul>
 *   <li><b>Reading</b> (models, references, data sets): inside the allowed roots ({@code beear.sources.allowed-roots},
 *       by default {@code <data-dir>/models}) but not inside another tenant's job output; and the caller's own jobs'
 *       {@code <data-dir>/outputs/<job id>}. Nothing else of the data directory (database, key files, download
 *       cache, work directories, other jobs' outputs), even when a root covers it.
 *   <li><b>Writing</b> (outputs): inside the roots, outside the data directory (a job's default output is put there
 *       by the service, never asked for), and never inside another job's output location, at another tenant's, or
 *       around a queued or running job's.
 * </ul>
 *
 * Every refused read gives the same answer whether the path exists or not, and every refused write the same
 * answer whatever the reason, so a caller learns nothing about files it may not use.
 */
@Component
public class AllowedRoots {

  static final String NOT_FOUND_OR_NOT_ALLOWED = "not found or not allowed (see beear.sources.allowed-roots)";
  static final String NOT_ALLOWED_AS_OUTPUT = "not allowed as an output location (it must lie in "
      + "beear.sources.allowed-roots, outside the service's data directory and outside other jobs' outputs; leave "
      + "output_uri out for the default)";

  private final List<Path> roots;
  /** The data directory's real path. */
  private final Path dataDir;
  /** The data directory as configured, made absolute: how rows written before resolving it name default outputs. */
  private final Path configuredDataDir;
  /** Its import folder and its jobs' outputs, by their real paths. */
  private final Path models;
  private final Path outputs;
  private final JobDirectoryOwners owners;

  public AllowedRoots(BeearProperties properties, JobDirectoryOwners owners) {
    this.dataDir = realRoot(properties.dataDir(), "the data directory");
    this.configuredDataDir = properties.dataDir().toAbsolutePath().normalize();
    this.models = dataDir.resolve(properties.dataDir().relativize(properties.modelsDir()));
    this.outputs = dataDir.resolve(properties.dataDir().relativize(properties.outputsDir()));
    this.roots = properties.effectiveAllowedRoots().stream().map(root -> realRoot(root, "allowed root")).toList();
    this.owners = owners;
  }

  private static Path realRoot(Path root, String what) {
    try {
      Files.createDirectories(root);
      return root.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(what + " " + root + " is not usable", e);
    }
  }

  public List<Path> roots() {
    return roots;
  }

  /**
   * The real path of an existing file or directory the tenant may read.
   *
   * @throws FileUriException with one answer for "missing" and "not allowed"
   */
  public Path readable(URI uri, String tenant) {
    Path path = pathOf(uri);
    try {
      Path real = path.toRealPath();
      if (mayRead(real, tenant)) {
        return real;
      }
    } catch (IOException e) {
      // missing or unreadable: answered as a path that is not allowed is
    }
    throw new FileUriException(shown(uri) + ": " + NOT_FOUND_OR_NOT_ALLOWED);
  }

  private boolean mayRead(Path real, String tenant) {
    if (real.startsWith(dataDir)) {
      return ownJobOutput(real, tenant) || real.startsWith(models) && insideRoots(real);
    }
    return insideRoots(real)
        && owners.withOutputIn(spellings(withAncestors(real))).stream().allMatch(o -> o.tenant().equals(tenant));
  }

  /** Under {@code <data-dir>/outputs/<job id>} of a job of this tenant. */
  private boolean ownJobOutput(Path real, String tenant) {
    if (!real.startsWith(outputs) || real.getNameCount() == outputs.getNameCount()) {
      return false;
    }
    return jobId(real.getName(outputs.getNameCount()).toString()).flatMap(owners::tenantOf)
        .filter(tenant::equals).isPresent();
  }

  private static Optional<UUID> jobId(String name) {
    try {
      UUID id = UUID.fromString(name);
      return id.toString().equals(name) ? Optional.of(id) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * Where a job may write its output, checked at submission and again by the worker (a row may be older than
   * these rules). The path need not exist: its nearest existing ancestor is resolved for links.
   *
   * @param jobId the job that writes it, whose own earlier claim on the location is no conflict
   * @throws FileUriException with one answer whatever the reason
   */
  public Path writable(URI uri, String tenant, UUID jobId) {
    Path path = pathOf(uri);
    Path existing = path;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    Path real = null;
    if (existing != null) {
      try {
        real = existing.toRealPath().resolve(existing.relativize(path)).normalize();
      } catch (IOException e) {
        real = null;
      }
    }
    if (real == null || !mayWrite(real, tenant, jobId)) {
      throw new FileUriException(shown(uri) + ": " + NOT_ALLOWED_AS_OUTPUT);
    }
    return real;
  }

  private boolean mayWrite(Path real, String tenant, UUID jobId) {
    if (real.startsWith(dataDir) || dataDir.startsWith(real) || !insideRoots(real)) {
      return false;
    }
    List<Path> above = real.getParent() == null ? List.of() : withAncestors(real.getParent());
    if (owners.withOutputIn(spellings(above)).stream().anyMatch(o -> !o.jobId().equals(jobId))) {
      return false; // inside another job's output location
    }
    if (owners.withOutputIn(spellings(List.of(real))).stream()
        .anyMatch(o -> !o.jobId().equals(jobId) && !o.tenant().equals(tenant))) {
      return false; // another tenant's output location
    }
    // a queued or running job's output inside this one would land in it
    String prefix = uriOf(real) + "/";
    return owners.activeOutputsStartingWith(prefix).stream()
        .map(AllowedRoots::pathOfStored)
        .noneMatch(other -> other != null && other.startsWith(real) && !other.equals(real));
  }

  /** The directory a job writes when its request names none: {@code <data-dir>/outputs/<job id>}. */
  public Path defaultOutput(UUID jobId) {
    return outputs.resolve(jobId.toString());
  }

  /** Whether this is the job's default output directory, however the row spelled the data directory. */
  public boolean isDefaultOutput(Path dir, UUID jobId) {
    Path normal = dir.toAbsolutePath().normalize();
    return normal.equals(defaultOutput(jobId))
        || normal.equals(configuredDataDir.resolve(dataDir.relativize(outputs)).resolve(jobId.toString()));
  }

  /** For messages: the data directory (as configured and as resolved) shown as {@code <data-dir>}. */
  public ShownPaths shownPaths() {
    return ShownPaths.withDataDir(configuredDataDir);
  }

  private boolean insideRoots(Path real) {
    return roots.stream().anyMatch(real::startsWith);
  }

  private static List<Path> withAncestors(Path path) {
    List<Path> paths = new ArrayList<>();
    for (Path p = path; p != null; p = p.getParent()) {
      paths.add(p);
    }
    return paths;
  }

  /**
   * The ways a stored {@code output_uri} may spell these directories: {@code Path.toUri()} ends the URI of a
   * directory that existed with a {@code /}, so rows written before outputs were stored without it may have one.
   */
  private static List<String> spellings(Collection<Path> dirs) {
    List<String> spellings = new ArrayList<>();
    for (Path dir : dirs) {
      String bare = uriOf(dir);
      spellings.add(bare);
      if (!bare.endsWith("/")) {
        spellings.add(bare + "/");
      }
    }
    return spellings;
  }

  /** A directory's {@code file://} URI as an output location is stored: without a trailing {@code /}. */
  static String uriOf(Path dir) {
    String uri = dir.toUri().toString();
    return uri.endsWith("/") && dir.getNameCount() > 0 ? uri.substring(0, uri.length() - 1) : uri;
  }

  private static Path pathOfStored(String outputUri) {
    try {
      return Path.of(URI.create(outputUri)).normalize();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static Path pathOf(URI uri) {
    if (!"file".equalsIgnoreCase(uri.getScheme())) {
      throw new FileUriException("expected a file:// URI, got " + shown(uri));
    }
    if (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) {
      throw new FileUriException(shown(uri) + " names a host; use file:///absolute/path");
    }
    String raw = uri.getPath();
    if (raw == null || !raw.startsWith("/")) {
      throw new FileUriException(shown(uri) + " is not an absolute file:/// path");
    }
    for (String segment : raw.split("/")) {
      if (segment.equals("..")) {
        throw new FileUriException(shown(uri) + " contains '..'");
      }
    }
    try {
      return Path.of(raw).normalize();
    } catch (InvalidPathException e) {
      throw new FileUriException(shown(uri) + " is not a valid path");
    }
  }

  /** The URI as messages may show it: without user info or query. */
  static String shown(URI uri) {
    return UriRedaction.redact(String.valueOf(uri));
  }
}
