package org.beear.llm.text.jinja;

import java.util.List;
import java.util.Map;

/**
 * transformers' {@code tojson} filter: Python's {@code json.dumps(value, ensure_ascii=False, indent=indent)}
 * (not Jinja2's HTML-safe one), so tool schemas render byte for byte as in Python.
 */
final class PyJson {
  private PyJson() {}

  static String dumps(Object value, Object indent, Budget budget) {
    String unit = indent == null ? null
        : indent instanceof String s ? s : " ".repeat((int) Math.max(0, Math.min(Py.asLong(indent), 1000)));
    StringBuilder out = new StringBuilder();
    write(out, value, unit, 0, budget);
    return out.toString();
  }

  private static void write(StringBuilder out, Object v, String unit, int level, Budget budget) {
    budget.step();
    budget.string(out.length());
    if (v == null) {
      out.append("null");
    } else if (v instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (v instanceof Long l) {
      out.append(l);
    } else if (v instanceof Double d) {
      out.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : Py.reprFloat(d));
    } else if (v instanceof String s) {
      string(out, s);
    } else if (v instanceof List<?> l) {
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
      if (m.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        separator(out, !first, unit, level + 1);
        first = false;
        string(out, key(e.getKey()));
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
      return k == null ? "null" : k instanceof Boolean b ? (b ? "true" : "false") : Py.repr(k);
    }
    throw JinjaException.runtime("keys must be str, int, float, bool or None, not " + Py.typeName(k));
  }

  private static void separator(StringBuilder out, boolean notFirst, String unit, int level) {
    if (notFirst) {
      out.append(unit == null ? ", " : ",");
    }
    newline(out, unit, level);
  }

  private static void newline(StringBuilder out, String unit, int level) {
    if (unit != null) {
      out.append('\n').append(unit.repeat(level));
    }
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
