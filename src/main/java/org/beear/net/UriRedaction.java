package org.beear.net;

/**
 * URIs as they may be shown: user info, query and fragment (where tokens, passwords and signatures live) replaced
 * by {@code ***}, e.g. {@code https://***@host/path?***}. Works on text, so even a URI that does not parse, or an
 * opaque one ({@code http:user:pw@host/x}), is redacted rather than echoed.
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
    return withoutUserInfo(s);
  }

  /**
   * Masks everything before the last {@code @} of the authority, which is looked for leniently: after the scheme and
   * any slashes or backslashes ({@code http:user:pw@host}, {@code http:/user:pw@host} and {@code //user:pw@host}
   * are user info too), up to the next slash. A colon with more than a port after it ({@code http://user:pa/ss@h})
   * means a password with a slash in it, so the mask goes on to the last {@code @} before the query, or to the slash.
   */
  private static String withoutUserInfo(String s) {
    int start = authorityStart(s);
    if (start < 0) {
      return s;
    }
    int end = indexOfAny(s, "/\\?#", start);
    int at = s.lastIndexOf('@', end - 1);
    if (at < start && hasPassword(s.substring(start, end))) {
      at = s.lastIndexOf('@', indexOfAny(s, "?#", start) - 1);
      at = at < start ? end : at;
    }
    return at < start ? s : s.substring(0, start) + MASK + s.substring(at);
  }

  /** Where user info would begin; -1 for a file: path, which has none ({@code file:/a}, {@code file:///a}). */
  private static int authorityStart(String s) {
    int colon = schemeEnd(s);
    int start = colon + 1;
    int slashes = 0;
    while (start < s.length() && (s.charAt(start) == '/' || s.charAt(start) == '\\')) {
      start++;
      slashes++;
    }
    boolean file = colon == 4 && s.regionMatches(true, 0, "file", 0, 4);
    return file && slashes != 2 ? -1 : start;
  }

  /** The index of the colon that ends the URI's scheme, or -1 when it has none. */
  private static int schemeEnd(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean letter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
      if (c == ':') {
        return i > 0 ? i : -1;
      }
      if (!letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'))) {
        return -1;
      }
    }
    return -1;
  }

  /** {@code user:secret} rather than {@code host:port} or {@code [::1]:port}. */
  private static boolean hasPassword(String authority) {
    String afterHost = authority.startsWith("[") && authority.indexOf(']') > 0
        ? authority.substring(authority.indexOf(']') + 1) : authority;
    int colon = afterHost.indexOf(':');
    return colon >= 0 && !afterHost.substring(colon + 1).chars().allMatch(c -> c >= '0' && c <= '9');
  }

  private static int indexOfAny(String s, String chars, int from) {
    for (int i = from; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return s.length();
  }

  private static String masked(char separator, String part) {
    return part.isEmpty() ? String.valueOf(separator) : separator + MASK;
  }
}
