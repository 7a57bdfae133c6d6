package org.beear.job;

import java.util.UUID;
import org.beear.net.UriRedaction;
import org.beear.security.SecretSealer;
import org.springframework.stereotype.Component;

/**
 * How a job keeps its model URI: redacted for everything that shows it, and, when the URI carries secrets (user
 * info, query, fragment), sealed for the worker that has to fetch it. The seal is bound to the job's id.
 */
@Component
public class ModelUris {

  /** @param shown the redacted URI; @param sealed the sealed original, or null when nothing needed hiding */
  public record Stored(String shown, String sealed) {}

  private final SecretSealer sealer;

  public ModelUris(SecretSealer sealer) {
    this.sealer = sealer;
  }

  public Stored store(UUID jobId, String uri) {
    return store(uri, context(jobId));
  }

  /** A scan's reference model, kept like the model: sealed under a context of its own. */
  public Stored storeReference(UUID jobId, String uri) {
    return store(uri, referenceContext(jobId));
  }

  private Stored store(String uri, String context) {
    String trimmed = uri.trim();
    if (!UriRedaction.hasSecrets(trimmed)) {
      return new Stored(trimmed, null);
    }
    return new Stored(UriRedaction.redact(trimmed), sealer.seal(trimmed, context));
  }

  /** The URI the worker fetches: the sealed original when there is one. */
  public String forFetch(Job job) {
    return job.getModelUriSealed() == null ? job.getModelUri()
        : sealer.open(job.getModelUriSealed(), context(job.getId()));
  }

  /** The reference URI the worker fetches, or null when the scan has none. */
  public String referenceForFetch(Job job) {
    return job.getReferenceUriSealed() == null ? job.getReferenceUri()
        : sealer.open(job.getReferenceUriSealed(), referenceContext(job.getId()));
  }

  private static String context(UUID jobId) {
    return "jobs.model_uri_sealed:" + jobId;
  }

  private static String referenceContext(UUID jobId) {
    return "jobs.reference_uri_sealed:" + jobId;
  }
}
