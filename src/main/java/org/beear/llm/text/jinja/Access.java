package org.beear.llm.text.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Attribute, item and slice access with Jinja2's rules: {@code a.b} tries the attribute (a str or dict
 * method) before the item, {@code a['b']} the item before the attribute, and a miss is Undefined. Only
 * the methods {@link Methods} lists exist; names starting with an underscore never resolve, as in
 * Jinja2's sandbox.
 */
final class Access {
  private Access() {}

  static Object getAttr(Object target, String name) {
    if (target instanceof Undefined u) {
      throw u.error();
    }
    if (name.startsWith("_")) {
      return Undefined.attribute(target, name);
    }
    if (target instanceof Namespace ns) {
      return ns.attributes().containsKey(name) ? ns.attributes().get(name) : Undefined.attribute(target, name);
    }
    if (target instanceof LoopInfo loop) {
      return loop.attribute(name);
    }
    PyCallable method = Methods.bind(target, name);
    if (method != null) {
      return method;
    }
    return itemOrUndefined(target, name);
  }

  static Object getItem(Object target, Object key) {
    if (target instanceof Undefined u) {
      throw u.error();
    }
    Object found = itemOrUndefined(target, key);
    if (found instanceof Undefined && key instanceof String name) {
      return getAttr(target, name);
    }
    return found;
  }

  private static Object itemOrUndefined(Object target, Object key) {
    if (target instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (Py.equal(e.getKey(), key)) {
          return e.getValue();
        }
      }
      return Undefined.attribute(target, key);
    }
    if ((target instanceof List<?> || target instanceof String) && (key instanceof Long || key instanceof Boolean)) {
      long index = Py.asLong(key);
      if (target instanceof List<?> list) {
        long i = index < 0 ? index + list.size() : index;
        return i >= 0 && i < list.size() ? list.get((int) i) : Undefined.attribute(target, key);
      }
      int[] cps = ((String) target).codePoints().toArray();
      long i = index < 0 ? index + cps.length : index;
      return i >= 0 && i < cps.length ? new String(cps, (int) i, 1) : Undefined.attribute(target, key);
    }
    if (target instanceof Namespace || target instanceof LoopInfo) {
      return key instanceof String name ? getAttr(target, name) : Undefined.attribute(target, key);
    }
    return Undefined.attribute(target, key);
  }

  /** Python's slice semantics on lists, tuples and strings. */
  static Object slice(Object target, Object start, Object stop, Object step) {
    if (target instanceof Undefined u) {
      throw u.error();
    }
    long st = step == null ? 1 : sliceIndex(step);
    if (st == 0) {
      throw JinjaException.runtime("slice step cannot be zero");
    }
    List<Object> items;
    int[] cps = null;
    if (target instanceof String s) {
      cps = s.codePoints().toArray();
      items = null;
    } else if (target instanceof List<?> l) {
      items = new ArrayList<>(l);
    } else {
      return Undefined.attribute(target, "slice");
    }
    int n = cps != null ? cps.length : items.size();
    long lo;
    long hi;
    if (st > 0) {
      lo = start == null ? 0 : clamp(sliceIndex(start), n, 0, n);
      hi = stop == null ? n : clamp(sliceIndex(stop), n, 0, n);
    } else {
      lo = start == null ? n - 1 : clamp(sliceIndex(start), n, -1, n - 1);
      hi = stop == null ? -1 : clamp(sliceIndex(stop), n, -1, n - 1);
    }
    StringBuilder sb = new StringBuilder();
    List<Object> out = new ArrayList<>();
    for (long i = lo; st > 0 ? i < hi : i > hi; i += st) {
      if (cps != null) {
        sb.appendCodePoint(cps[(int) i]);
      } else {
        out.add(items.get((int) i));
      }
    }
    if (cps != null) {
      return sb.toString();
    }
    return target instanceof PyTuple ? new PyTuple(out) : out;
  }

  private static long sliceIndex(Object v) {
    if (v == null) {
      return 0;
    }
    if (v instanceof Long || v instanceof Boolean) {
      return Py.asLong(v);
    }
    throw JinjaException.runtime("slice indices must be integers or None");
  }

  private static long clamp(long index, int n, long min, long max) {
    long i = index < 0 ? index + n : index;
    return Math.max(min, Math.min(max, i));
  }

  /** The items a for loop visits: list items, dict keys, a string's characters; Undefined is empty. */
  static List<Object> iterate(Object v) {
    if (v instanceof Undefined) {
      return List.of();
    }
    if (v instanceof List<?> l) {
      return new ArrayList<>(l);
    }
    if (v instanceof Map<?, ?> m) {
      return new ArrayList<>(m.keySet());
    }
    if (v instanceof String s) {
      List<Object> chars = new ArrayList<>();
      s.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
      return chars;
    }
    throw JinjaException.runtime("'" + Py.typeName(v) + "' object is not iterable");
  }

  /** Python's {@code needle in container}. */
  static boolean contains(Object container, Object needle) {
    if (container instanceof String s) {
      if (!(needle instanceof String n)) {
        throw JinjaException.runtime("'in <string>' requires string as left operand, not " + Py.typeName(needle));
      }
      return s.contains(n);
    }
    if (container instanceof Map<?, ?> m) {
      return m.keySet().stream().anyMatch(k -> Py.equal(k, needle));
    }
    if (container instanceof List<?> l) {
      return l.stream().anyMatch(item -> Py.equal(item, needle));
    }
    if (container instanceof Undefined) {
      return false;
    }
    throw JinjaException.runtime("argument of type '" + Py.typeName(container) + "' is not iterable");
  }

  /** Dict keys must be hashable: no lists or dicts. */
  static Object hashable(Object key) {
    if (key instanceof Map || (key instanceof List && !(key instanceof PyTuple))) {
      throw JinjaException.runtime("unhashable type: '" + Py.typeName(key) + "'");
    }
    return key;
  }
}
