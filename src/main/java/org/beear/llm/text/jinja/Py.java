package org.beear.llm.text.jinja;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Python's semantics for the values templates see: truth, ==, ordering, hashing and whitespace ({@link Repr}
 * has str() and repr()). Walks into containers are charged to the render's {@link Budget} and bounded in depth.
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

  /**
   * str.strip/lstrip/rstrip; {@code chars} null strips whitespace, else any code point of chars (looked up in a
   * sorted copy, so a long {@code chars} costs a logarithm per character, not its length).
   */
  static String strip(String s, String chars, boolean left, boolean right, Budget budget) {
    int[] set = null;
    if (chars != null) {
      budget.scan(chars.length());
      budget.allocate(2L * chars.length());
      set = chars.codePoints().sorted().toArray();
    }
    int start = 0;
    int end = s.length();
    if (left) {
      while (start < end) {
        int cp = s.codePointAt(start);
        if (!stripped(cp, set)) {
          break;
        }
        start += Character.charCount(cp);
      }
    }
    if (right) {
      while (end > start) {
        int cp = s.codePointBefore(end);
        if (!stripped(cp, set)) {
          break;
        }
        end -= Character.charCount(cp);
      }
    }
    budget.scan(start + (s.length() - end));
    if (start == 0 && end == s.length()) {
      return s;
    }
    budget.string(end - start);
    return s.substring(start, end);
  }

  private static boolean stripped(int cp, int[] set) {
    return set == null ? isSpace(cp) : java.util.Arrays.binarySearch(set, cp) >= 0;
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

  /** An int (or bool) as Python's operator.index takes it; anything else is a TypeError. */
  static long asLong(Object v) {
    if (v instanceof Boolean b) {
      return b ? 1 : 0;
    }
    if (v instanceof Long l) {
      return l;
    }
    throw JinjaException.runtime("'" + typeName(v) + "' object cannot be interpreted as an integer");
  }

  static double asDouble(Object v) {
    if (v instanceof Double d) {
      return d;
    }
    if (v instanceof Long || v instanceof Boolean) {
      return asLong(v);
    }
    throw JinjaException.runtime("must be real number, not " + typeName(v));
  }

  /** Python's ==; every element compared is a step, and nesting is bounded. */
  static boolean equal(Object a, Object b, Budget budget) {
    return equal(a, b, budget, 0);
  }

  private static boolean equal(Object a, Object b, Budget budget, int depth) {
    budget.step();
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
    if (a instanceof String sa && b instanceof String sb) {
      if (sa.length() != sb.length()) {
        return false;
      }
      budget.scan(sa.length());
      return sa.equals(sb);
    }
    if (a instanceof List<?> la && b instanceof List<?> lb) {
      if ((a instanceof PyTuple) != (b instanceof PyTuple) || la.size() != lb.size()) {
        return false;
      }
      budget.depth(depth + 1);
      for (int i = 0; i < la.size(); i++) {
        if (!equal(la.get(i), lb.get(i), budget, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
      if (ma.size() != mb.size()) {
        return false;
      }
      budget.depth(depth + 1);
      for (Map.Entry<?, ?> e : ma.entrySet()) {
        Object other = Access.lookup(mb, e.getKey(), budget);
        if (other == Access.MISSING || !equal(e.getValue(), other, budget, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b); // namespaces, loops and functions: identity, as in Python
  }

  /** Python's ordering (<, >): numbers, strings by code point, sequences element-wise; else TypeError. */
  static int compare(Object a, Object b, String op, Budget budget) {
    return compare(a, b, op, budget, 0);
  }

  private static int compare(Object a, Object b, String op, Budget budget, int depth) {
    budget.step();
    if (isNumber(a) && isNumber(b)) {
      return a instanceof Double || b instanceof Double
          ? Double.compare(asDouble(a), asDouble(b))
          : Long.compare(asLong(a), asLong(b));
    }
    if (a instanceof String sa && b instanceof String sb) {
      budget.scan(Math.min(sa.length(), sb.length()));
      return compareCodePoints(sa, sb);
    }
    if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof PyTuple) == (b instanceof PyTuple)) {
      budget.depth(depth + 1);
      for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
        if (!equal(la.get(i), lb.get(i), budget, depth + 1)) {
          return compare(la.get(i), lb.get(i), op, budget, depth + 1);
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

  /**
   * Python's hash() as far as equality needs it: values that are == hash alike (1, 1.0 and True), tuples by their
   * items; lists and dicts are unhashable, namespaces and functions hash by identity.
   */
  static int hash(Object v, Budget budget) {
    return hash(v, budget, 0);
  }

  private static int hash(Object v, Budget budget, int depth) {
    budget.step();
    if (v == null || v instanceof Undefined) {
      return 0;
    }
    if (v instanceof Boolean || v instanceof Long) {
      return Long.hashCode(asLong(v));
    }
    if (v instanceof Double d) {
      return d == Math.rint(d) && Math.abs(d) < 0x1p62 ? Long.hashCode((long) (double) d) : d.hashCode();
    }
    if (v instanceof String s) {
      budget.scan(s.length());
      return s.hashCode();
    }
    if (v instanceof PyTuple t) {
      budget.depth(depth + 1);
      int h = 1;
      for (Object item : t) {
        h = 31 * h + hash(item, budget, depth + 1);
      }
      return h;
    }
    if (v instanceof List || v instanceof Map) {
      throw JinjaException.runtime("unhashable type: '" + typeName(v) + "'");
    }
    return System.identityHashCode(v);
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
  static int length(String s, Budget budget) {
    budget.scan(s.length());
    return s.codePointCount(0, s.length());
  }
}
