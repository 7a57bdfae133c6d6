package org.beear.llm.text.jinja;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's semantics for the values templates see: truth, str(), repr(), ==, ordering and whitespace.
 * Values are String, Long, Double, Boolean, null (None), {@link List} (list), {@link PyTuple}, {@link Map}
 * (dict), {@link Undefined} and the engine's own objects (namespace, loop, callables).
 */
final class Py {

  private Py() {}

  /** str.isspace() for one UTF-16 unit (every Python whitespace character is in the BMP). */
  static boolean isSpace(int c) {
    return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680
        || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f
        || c == 0x3000;
  }

  static boolean isBlank(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      if (!isSpace(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  static String rstrip(String s) {
    int end = s.length();
    while (end > 0 && isSpace(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end);
  }

  /** str.strip/lstrip/rstrip; {@code chars} null strips whitespace, else any code point of chars. */
  static String strip(String s, String chars, boolean left, boolean right) {
    int start = 0;
    int end = s.length();
    if (left) {
      while (start < end) {
        int cp = s.codePointAt(start);
        if (!stripped(cp, chars)) {
          break;
        }
        start += Character.charCount(cp);
      }
    }
    if (right) {
      while (end > start) {
        int cp = s.codePointBefore(end);
        if (!stripped(cp, chars)) {
          break;
        }
        end -= Character.charCount(cp);
      }
    }
    return s.substring(start, end);
  }

  private static boolean stripped(int cp, String chars) {
    return chars == null ? isSpace(cp) : chars.codePoints().anyMatch(c -> c == cp);
  }

  static boolean truthy(Object v) {
    if (v == null || v instanceof Undefined) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Long l) {
      return l != 0;
    }
    if (v instanceof Double d) {
      return d != 0.0;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof List<?> l) {
      return !l.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    return true;
  }

  /** What {{ value }} prints: str(value), with Undefined as "". */
  static String str(Object v) {
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Undefined) {
      return "";
    }
    return repr(v);
  }

  static String repr(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof String s) {
      return reprString(s);
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof Double d) {
      return reprFloat(d);
    }
    if (v instanceof Long || v instanceof Undefined) {
      return v instanceof Undefined ? "" : v.toString();
    }
    if (v instanceof PyTuple t) {
      return t.size() == 1 ? "(" + repr(t.get(0)) + ",)" : join(t.iterator(), "(", ")");
    }
    if (v instanceof List<?> l) {
      return join(l.iterator(), "[", "]");
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder b = new StringBuilder("{");
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (b.length() > 1) {
          b.append(", ");
        }
        b.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
      }
      return b.append('}').toString();
    }
    return v.toString();
  }

  private static String join(Iterator<?> items, String open, String close) {
    StringBuilder b = new StringBuilder(open);
    boolean first = true;
    while (items.hasNext()) {
      if (!first) {
        b.append(", ");
      }
      first = false;
      b.append(repr(items.next()));
    }
    return b.append(close).toString();
  }

  static String reprString(String s) {
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    StringBuilder b = new StringBuilder().append(quote);
    s.codePoints().forEach(cp -> {
      if (cp == quote || cp == '\\') {
        b.append('\\').appendCodePoint(cp);
      } else if (cp == '\n') {
        b.append("\\n");
      } else if (cp == '\r') {
        b.append("\\r");
      } else if (cp == '\t') {
        b.append("\\t");
      } else if (cp < 0x20 || cp == 0x7f) {
        b.append(String.format("\\x%02x", cp));
      } else {
        b.appendCodePoint(cp);
      }
    });
    return b.append(quote).toString();
  }

  static String reprFloat(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e16) {
      return new BigDecimal(d).toPlainString() + ".0";
    }
    String s = Double.toString(d);
    return s.contains("E") ? s.replace("E", "e") : s;
  }

  static boolean isNumber(Object v) {
    return v instanceof Long || v instanceof Double || v instanceof Boolean;
  }

  static long asLong(Object v) {
    if (v instanceof Boolean b) {
      return b ? 1 : 0;
    }
    return (Long) v;
  }

  static double asDouble(Object v) {
    return v instanceof Double d ? d : (double) asLong(v);
  }

  static boolean equal(Object a, Object b) {
    if (a == b) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    if (a instanceof Undefined || b instanceof Undefined) {
      return a instanceof Undefined && b instanceof Undefined;
    }
    if (isNumber(a) && isNumber(b)) {
      return a instanceof Double || b instanceof Double ? asDouble(a) == asDouble(b) : asLong(a) == asLong(b);
    }
    if (a instanceof List<?> la && b instanceof List<?> lb) {
      if ((a instanceof PyTuple) != (b instanceof PyTuple) || la.size() != lb.size()) {
        return false;
      }
      for (int i = 0; i < la.size(); i++) {
        if (!equal(la.get(i), lb.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
      if (ma.size() != mb.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : ma.entrySet()) {
        if (!mb.containsKey(e.getKey()) || !equal(e.getValue(), mb.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  /** Python's ordering (<, >): numbers, strings by code point, sequences element-wise; else TypeError. */
  static int compare(Object a, Object b, String op) {
    if (isNumber(a) && isNumber(b)) {
      return a instanceof Double || b instanceof Double
          ? Double.compare(asDouble(a), asDouble(b))
          : Long.compare(asLong(a), asLong(b));
    }
    if (a instanceof String sa && b instanceof String sb) {
      return compareCodePoints(sa, sb);
    }
    if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof PyTuple) == (b instanceof PyTuple)) {
      for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
        if (!equal(la.get(i), lb.get(i))) {
          return compare(la.get(i), lb.get(i), op);
        }
      }
      return Integer.compare(la.size(), lb.size());
    }
    throw JinjaException.runtime(
        "'" + op + "' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
  }

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }

  static String typeName(Object v) {
    if (v == null) {
      return "NoneType";
    }
    if (v instanceof String) {
      return "str";
    }
    if (v instanceof Boolean) {
      return "bool";
    }
    if (v instanceof Long) {
      return "int";
    }
    if (v instanceof Double) {
      return "float";
    }
    if (v instanceof PyTuple) {
      return "tuple";
    }
    if (v instanceof List) {
      return "list";
    }
    if (v instanceof Map) {
      return "dict";
    }
    if (v instanceof Undefined) {
      return "Undefined";
    }
    return v.getClass().getSimpleName();
  }

  /** Number of code points (Python's len of a str). */
  static int length(String s) {
    return s.codePointCount(0, s.length());
  }
}
