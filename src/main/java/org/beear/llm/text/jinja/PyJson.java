package org.beear.llm.text.jinja;

import java.util.List;
import java.util.Map;

/**
 * transformers' {@code tojson} filter: Python's {@code json.dumps(value, ensure_ascii=False, indent=indent)}
 * (not Jinja2's HTML-safe one), so tool schemas render byte for byte as in Python. Written piece by piece into a
 * {@link TextBuilder}: each value is a step, each piece checked before it is added, nesting bounded.
 */
final class PyJson {
  private PyJson() {}

  static String dumps(Object value, Object indent, Budget budget) {
    String unit = indent == null ? null
        : indent instanceof String s ? s : " ".repeat((int) budget.string(Math.max(0, Py.asLong(indent))));
    TextBuilder out = new TextBuilder(budget);
    write(out, value, unit, 0, budget);
    return out.build();
  }

  private static void write(TextBuilder out, Object v, String unit, int level, Budget budget) {
    budget.step();
    if (v == null) {
      out.append("null");
    } else if (v instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (v instanceof Long l) {
      out.append(l.toString());
    } else if (v instanceof Double d) {
      out.append(number(d));
    } else if (v instanceof String s) {
      string(out, s, budget);
    } else if (v instanceof List<?> l) {
      budget.depth(level + 1);
      if (l.isEmpty()) {
        out.append("[]");
        return;
      }
      out.append('[');
      for (int i = 0; i < l.size(); i++) {
        separator(out, i > 0, unit, level + 1);
        write(out, l.get(i), unit, level + 1, budget);
      }
      newline(out, unit, level);
      out.append(']');
    } else if (v instanceof Map<?, ?> m) {
      budget.depth(level + 1);
      if (m.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        separator(out, !first, unit, level + 1);
        first = false;
        string(out, key(e.getKey()), budget);
        out.append(": ");
        write(out, e.getValue(), unit, level + 1, budget);
      }
      newline(out, unit, level);
      out.append('}');
    } else {
      throw JinjaException.runtime("Object of type " + Py.typeName(v) + " is not JSON serializable");
    }
  }

  private static String key(Object k) {
    if (k instanceof String s) {
      return s;
    }
    if (k == null || k instanceof Boolean || k instanceof Long || k instanceof Double) {
      return k == null ? "null" : k instanceof Boolean b ? (b ? "true" : "false")
          : k instanceof Double d ? number(d) : k.toString();
    }
    throw JinjaException.runtime("keys must be str, int, float, bool or None, not " + Py.typeName(k));
  }

  private static String number(double d) {
    return Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : Py.reprFloat(d);
  }

  private static void separator(TextBuilder out, boolean notFirst, String unit, int level) {
    if (notFirst) {
      out.append(unit == null ? ", " : ",");
    }
    newline(out, unit, level);
  }

  private static void newline(TextBuilder out, String unit, int level) {
    if (unit != null) {
      out.append('\n');
      for (int i = 0; i < level; i++) {
        out.append(unit);
      }
    }
  }

  private static void string(TextBuilder out, String s, Budget budget) {
    budget.scan(s.length());
    out.append('"');
    int run = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String escaped = switch (c) {
        case '"' -> "\\\"";
        case '\\' -> "\\\\";
        case '\n' -> "\\n";
        case '\r' -> "\\r";
        case '\t' -> "\\t";
        case '\b' -> "\\b";
        case '\f' -> "\\f";
        default -> c < 0x20 ? String.format("\\u%04x", (int) c) : null;
      };
      if (escaped != null) {
        out.append(s, run, i).append(escaped);
        run = i + 1;
      }
    }
    out.append(s, run, s.length()).append('"');
  }
}
