package org.beear.source;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.beear.net.FetchCancellation;
import org.springframework.stereotype.Component;

/** {@code hf://} is part of the API but not implemented yet; say so instead of "unknown". */
@Component
public class NotYetSupportedModelSource implements ModelSource {

  @Override
  public Set<String> schemes() {
    return Set.of("hf");
  }

  @Override
  public Optional<Path> check(URI uri) {
    throw new SourceException(uri.getScheme() + ":// model URIs are not supported yet; use file://, https:// or s3://");
  }

  @Override
  public FetchedModel fetch(URI uri, FetchCancellation cancellation) {
    check(uri);
    throw new IllegalStateException("unreachable");
  }
}
