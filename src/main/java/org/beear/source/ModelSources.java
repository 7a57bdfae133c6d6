package org.beear.source;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.stream.Collectors;
import org.beear.net.FetchCancellation;
import org.beear.net.FetchCancelledException;
import org.beear.net.UriRedaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Picks the {@link ModelSource} for a URI by its scheme. {@code file://} models are the {@link FileModelSource}'s,
 * which answers for a tenant: a downloaded model is anyone's who names it, a local directory only its tenant's.
 */
@Component
public class ModelSources {

  private static final Logger log = LoggerFactory.getLogger(ModelSources.class);
  private static final String FILE = "file";

  private final Map<String, ModelSource> byScheme;
  private final FileModelSource files;

  public ModelSources(List<ModelSource> sources, FileModelSource files) {
    this.byScheme = sources.stream()
        .flatMap(s -> s.schemes().stream().map(scheme -> Map.entry(scheme, s)))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    this.files = files;
  }

  /**
   * Cheap validation at submission: the model directory of a {@code file://} model the tenant may read, nothing
   * for others ({@link ModelSource#check(URI)}).
   */
  public Optional<Path> check(String uri, String tenant) {
    URI parsed = parse(uri);
    return isFile(parsed) ? Optional.of(files.directory(parsed, tenant)) : sourceFor(parsed).check(parsed);
  }

  /**
   * {@link ModelSource#fetch(URI, FetchCancellation)}, then the digests of the files the engine will read, for the
   * job's provenance: hashed here, for every source alike, while the cancellation still stops the work.
   *
   * @param tenant the job's, for a {@code file://} model: checked again, as a row may be older than the rules
   * @throws FetchCancelledException when cancelled, during the download or the hashing
   */
  public FetchedModel fetch(String uri, String tenant, FetchCancellation cancellation) {
    URI parsed = parse(uri);
    FetchedModel model = isFile(parsed) ? new FetchedModel(files.directory(parsed, tenant), null)
        : sourceFor(parsed).fetch(parsed, cancellation);
    try {
      return model.withInputs(ModelFileFilter.digests(model.directory(), cancellation::isCancelled));
    } catch (CancellationException e) {
      throw new FetchCancelledException();
    } catch (UncheckedIOException e) {
      log.warn("hashing the files of {} failed: {}", UriRedaction.redact(uri), e.getMessage());
      throw new SourceException("the model's files cannot be read", e);
    }
  }

  private static boolean isFile(URI uri) {
    return uri.getScheme().equalsIgnoreCase(FILE);
  }

  private ModelSource sourceFor(URI uri) {
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    ModelSource source = byScheme.get(scheme);
    if (source == null) {
      TreeSet<String> known = new TreeSet<>(byScheme.keySet());
      known.add(FILE);
      throw new SourceException("unknown URI scheme '" + scheme + "': expected one of "
          + known.stream().map(s -> s + "://").collect(Collectors.joining(", ")));
    }
    return source;
  }

  static URI parse(String uri) {
    if (uri == null || uri.isBlank()) {
      throw new SourceException("is required");
    }
    try {
      URI parsed = new URI(uri.trim());
      if (parsed.getScheme() == null) {
        throw new SourceException("'" + UriRedaction.redact(uri) + "' has no scheme; use file:///path or "
            + "https://host/model.tar.gz");
      }
      return parsed;
    } catch (URISyntaxException e) {
      throw new SourceException("'" + UriRedaction.redact(uri) + "' is not a valid URI");
    }
  }
}
