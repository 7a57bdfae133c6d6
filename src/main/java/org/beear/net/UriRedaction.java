package org.beear.net;

/**
 * URIs as they may be shown: user info, query and fragment (where tokens, passwords and signatures live) replaced
 * by {@code ***}, e.g. {@code https://***@host/path?***}. Works on text, so even a URI that does not parse is
 * redacted rather than echoed.
 */
public final class UriRedaction {

  public static final String MASK = "***";

  private UriRedaction() {}

  /** Whether the URI carries anything {@link #redact} would hide. */
  public static boolean hasSecrets(String uri) {
    return uri != null && !uri.equals(redact(uri));
  }

  public static String redact(String uri) {
    if (uri == null) {
      return null;
    }
    String s = uri;
    int fragment = s.indexOf('#');
    if (fragment >= 0) {
      s = s.substring(0, fragment) + masked('#', s.substring(fragment + 1));
    }
    int query = s.indexOf('?');
    if (query >= 0) {
      int end = s.indexOf('#', query);
      end = end < 0 ? s.length() : end;
      s = s.substring(0, query) + masked('?', s.substring(query + 1, end)) + s.substring(end);
    }
    int schemeEnd = s.indexOf("://");
    if (schemeEnd >= 0) {
      int start = schemeEnd + 3;
      int end = start;
      while (end < s.length() && "/?#".indexOf(s.charAt(end)) < 0) {
        end++;
      }
      int at = s.lastIndexOf('@', end - 1);
      if (at >= start) {
        s = s.substring(0, start) + MASK + s.substring(at);
      }
    }
    return s;
  }

  private static String masked(char separator, String part) {
    return part.isEmpty() ? String.valueOf(separator) : separator + MASK;
  }
}
