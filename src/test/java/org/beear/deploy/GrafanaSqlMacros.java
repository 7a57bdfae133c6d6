package org.beear.deploy;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands the macros of Grafana's PostgreSQL data source the way its backend does before it sends a query, for the
 * macros the beear dashboard uses: {@code $__timeFilter(col)} becomes {@code col BETWEEN '<from>' AND '<to>'} (UTC,
 * RFC 3339), {@code $__timeGroup(col, 1d)} {@code floor(extract(epoch from col)/86400)*86400} and
 * {@code $__timeGroupAlias(col, 1d)} the same {@code AS "time"}. Any other macro or template variable is refused,
 * so a dashboard that starts using one fails its test until the expansion is written here.
 */
final class GrafanaSqlMacros {
  private static final Pattern MACRO = Pattern.compile("\\$__(\\w+)\\(([^)]*)\\)");
  private static final Pattern LEFTOVER = Pattern.compile("\\$\\{?\\w+");
  private static final Pattern INTERVAL = Pattern.compile("'?(\\d+)([smhdw])'?");

  private GrafanaSqlMacros() {}

  static String expand(String sql, Instant from, Instant to) {
    Matcher m = MACRO.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String[] args = m.group(2).split(",");
      String column = args[0].trim();
      String expansion = switch (m.group(1)) {
        case "timeFilter" -> column + " BETWEEN '" + rfc3339(from) + "' AND '" + rfc3339(to) + "'";
        case "timeGroup" -> timeGroup(column, args);
        case "timeGroupAlias" -> timeGroup(column, args) + " AS \"time\"";
        default -> throw new IllegalArgumentException("macro $__" + m.group(1) + " is not expanded by this test: " + sql);
      };
      m.appendReplacement(out, Matcher.quoteReplacement(expansion));
    }
    m.appendTail(out);
    Matcher leftover = LEFTOVER.matcher(out);
    if (leftover.find()) {
      throw new IllegalArgumentException("unexpanded " + leftover.group() + " in: " + out);
    }
    return out.toString();
  }

  private static String timeGroup(String column, String[] args) {
    if (args.length < 2) {
      throw new IllegalArgumentException("$__timeGroup needs a column and an interval");
    }
    Matcher m = INTERVAL.matcher(args[1].trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("unsupported interval " + args[1]);
    }
    long seconds = Long.parseLong(m.group(1)) * switch (m.group(2)) {
      case "s" -> 1;
      case "m" -> 60;
      case "h" -> 3600;
      case "d" -> 86400;
      default -> 7 * 86400;
    };
    return "floor(extract(epoch from " + column + ")/" + seconds + ")*" + seconds;
  }

  private static String rfc3339(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant);
  }
}
