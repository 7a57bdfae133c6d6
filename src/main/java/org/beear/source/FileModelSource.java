package org.beear.source;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.beear.net.FetchCancellation;
import org.beear.net.UriRedaction;
import org.springframework.stereotype.Component;

/** A model directory already on this machine, inside the allowed roots. */
@Component
public class FileModelSource implements ModelSource {

  private final AllowedRoots roots;

  public FileModelSource(AllowedRoots roots) {
    this.roots = roots;
  }

  @Override
  public Set<String> schemes() {
    return Set.of("file");
  }

  @Override
  public Optional<Path> check(URI uri) {
    Path dir = roots.existing(uri);
    if (!Files.isDirectory(dir)) {
      throw new SourceException(shown(uri) + " is not a directory");
    }
    return Optional.of(dir);
  }

  @Override
  public FetchedModel fetch(URI uri, FetchCancellation cancellation) {
    return new FetchedModel(check(uri).orElseThrow(), null);
  }

  /** The URI as messages may show it: without user info or query. */
  private static String shown(URI uri) {
    return UriRedaction.redact(String.valueOf(uri));
  }
}
