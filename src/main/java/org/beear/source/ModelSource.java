package org.beear.source;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.beear.net.FetchCancellation;

/** Turns a model URI of some schemes into a local model directory. */
public interface ModelSource {

  /** Lower-case URI schemes this source answers for. */
  Set<String> schemes();

  /**
   * Cheap validation at submission time (no download).
   *
   * @return the model directory when the model is already local, so it can be validated at once
   * @throws SourceException when the URI cannot work
   */
  Optional<Path> check(URI uri);

  /**
   * Makes the model available locally; may download. Runs on a worker, never on a request thread.
   *
   * @param cancellation stops a download in progress when cancelled from another thread
   * @throws org.beear.net.FetchCancelledException when it was
   */
  FetchedModel fetch(URI uri, FetchCancellation cancellation);

  default FetchedModel fetch(URI uri) {
    return fetch(uri, new FetchCancellation());
  }
}
