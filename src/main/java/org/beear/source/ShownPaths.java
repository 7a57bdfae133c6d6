package org.beear.source;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A message about local files as a caller may see it. The engine names the files it reads and writes by their
 * paths, which is right on the command line; through the service those are the service's own paths (its data
 * directory, its download cache, the real path behind a caller's link). Each path registered here is replaced, in
 * one pass and longest first, by what the caller knows it as: the URI it sent, or a placeholder such as
 * {@code <data-dir>}. A path continues a name only at a separator, so {@code /data} leaves {@code /database} alone;
 * the caller's own URIs are echoed unchanged ({@link #keep}).
 */
public final class ShownPaths {

  private static final String DATA_DIR = "<data-dir>";

  private final Map<String, String> names = new LinkedHashMap<>();

  /** Paths under the data directory, as configured or as resolved, shown as {@code <data-dir>/...}. */
  public static ShownPaths withDataDir(Path dataDir) {
    return new ShownPaths().with(dataDir, DATA_DIR).with(real(dataDir), DATA_DIR);
  }

  /** The real path of a directory, or its absolute path while it does not exist. */
  public static Path real(Path path) {
    try {
      return path.toRealPath();
    } catch (java.io.IOException e) {
      return path.toAbsolutePath().normalize();
    }
  }

  /**
   * Shows {@code local} (and anything under it) as {@code shown}; a null path or name, and the file system's root,
   * are ignored. The first name registered for a path wins.
   */
  public ShownPaths with(Path local, String shown) {
    if (local == null || shown == null) {
      return this;
    }
    Path absolute = local.toAbsolutePath().normalize();
    if (absolute.getNameCount() == 0) {
      return this; // the file system's root would be every path's start
    }
    String uri = absolute.toUri().toString();
    names.putIfAbsent(uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri,
        shown);
    names.putIfAbsent(absolute.toString(), shown);
    return this;
  }

  /**
   * Leaves these texts (the URIs the caller sent, as messages echo them) as they are, although they may name a path
   * registered here; null or blank ones are ignored.
   */
  public ShownPaths keep(String... texts) {
    for (String text : texts) {
      if (text != null && !text.isBlank()) {
        names.put(text, text);
      }
    }
    return this;
  }

  /** The message with every registered path replaced. */
  public String in(String message) {
    if (message == null || names.isEmpty()) {
      return message;
    }
    Pattern paths = Pattern.compile(names.keySet().stream()
        .sorted(Comparator.comparingInt(String::length).reversed())
        .map(Pattern::quote)
        .collect(Collectors.joining("|", "(?:", ")(?![\\w.-])")));
    Matcher m = paths.matcher(message);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(names.get(m.group())));
    }
    return m.appendTail(out).toString();
  }
}
