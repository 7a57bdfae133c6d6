package org.beear.source;

import java.net.URI;
import java.util.regex.Pattern;
import org.beear.net.UriRedaction;

/**
 * A model on a hub, named by {@code hf://ORG/NAME[@REVISION]}: a branch, tag or commit, {@code main} when
 * omitted. Revisions may contain {@code /} ({@code hf://org/name@refs/pr/1}).
 */
record HubRepo(String org, String name, String revision) {

  static final String DEFAULT_REVISION = "main";

  /** The hub's rule for user, organisation and model names, less its rarely used corners. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?");
  private static final int MAX_REVISION_LENGTH = 256;

  static HubRepo parse(URI uri) {
    String shown = UriRedaction.redact(uri.toString());
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new SourceException(shown + ": hf:// URIs take no credentials, query or fragment; the hub's token is"
          + " configured on the service (beear.sources.hub.token)");
    }
    String org = uri.getRawAuthority();
    String path = uri.getPath();
    if (org == null || path == null || path.length() < 2 || !path.startsWith("/")) {
      throw new SourceException(usage(shown));
    }
    String rest = path.substring(1);
    int at = rest.indexOf('@');
    String name = at < 0 ? rest : rest.substring(0, at);
    String revision = at < 0 ? DEFAULT_REVISION : rest.substring(at + 1);
    if (!validName(org) || !validName(name)) {
      throw new SourceException(usage(shown));
    }
    if (revision.isEmpty() || revision.length() > MAX_REVISION_LENGTH || revision.contains("..")
        || !revision.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new SourceException(shown + ": '" + revision.replaceAll("[^\\x21-\\x7e]", "?")
          + "' is not a revision (a branch, tag or commit)");
    }
    return new HubRepo(org, name, revision);
  }

  private static boolean validName(String s) {
    return NAME.matcher(s).matches() && !s.contains("..") && !s.contains("--");
  }

  private static String usage(String shown) {
    return "'" + shown + "' is not a hub model: expected hf://ORG/NAME or hf://ORG/NAME@REVISION";
  }

  /** {@code org/name}, as the hub's URLs have it. */
  String id() {
    return org + "/" + name;
  }

  /** {@code hf://org/name}: how messages name the model. */
  String shown() {
    return "hf://" + id();
  }
}
