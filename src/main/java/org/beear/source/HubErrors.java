package org.beear.source;

import org.beear.net.FetchStatusException;

/**
 * The hub's error answers as one line each. The hub says what went wrong in {@code X-Error-Code}
 * ({@code RepoNotFound}, {@code RevisionNotFound}, {@code EntryNotFound}, {@code GatedRepo}); it answers 401 both
 * for a private model and for one that does not exist, so that names cannot be probed, and so the message names
 * both.
 */
final class HubErrors {

  private HubErrors() {}

  /**
   * @param file      the file being fetched, or null for the revision's resolution
   * @param tokenSent whether a token went with the request
   */
  static SourceException of(HubRepo repo, String file, String commit, FetchStatusException e, boolean tokenSent) {
    String code = e.head().header("x-error-code").orElse("");
    int status = e.status();
    String model = repo.shown();
    if (code.equals("GatedRepo")) {
      return new SourceException(model + ": gated model (" + status + "): " + (tokenSent
          ? "the token's account has not been granted access; accept the model's conditions on the hub"
          : "it needs a token of an account that was granted access (beear.sources.hub.token)"));
    }
    if (status == 401) {
      return new SourceException(model + ": 401: " + (tokenSent
          ? "the token was refused, or it has no access to this model (or the model does not exist)"
          : "this model needs a token (it is private or gated, or does not exist); set beear.sources.hub.token"));
    }
    if (code.equals("RevisionNotFound") || file == null && status == 404 && !code.equals("RepoNotFound")) {
      return new SourceException(model + ": revision '" + repo.revision() + "' not found (404)");
    }
    if (code.equals("EntryNotFound") || file != null && status == 404 && !code.equals("RepoNotFound")) {
      return new SourceException(model + ": file '" + file + "' not found at commit " + commit + " (404)");
    }
    if (status == 404) {
      return new SourceException(model + ": model not found (404)");
    }
    if (status == 403) {
      return new SourceException(model + ": 403: access denied" + (tokenSent ? " to the configured token"
          : "; private models need a token (beear.sources.hub.token)"));
    }
    if (status == 429) {
      return new SourceException(model + ": the hub is limiting the rate of requests (429); try again later");
    }
    return new SourceException(model + (file == null ? "" : ": " + file) + ": " + e.getMessage());
  }
}
