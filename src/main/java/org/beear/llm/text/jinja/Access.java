package org.beear.llm.text.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Attribute, item and slice access with Jinja2's rules: {@code a.b} tries the attribute (a str or dict
 * method) before the item, {@code a['b']} the item before the attribute, and a miss is Undefined. Only
 * the methods {@link Methods} lists exist; names starting with an underscore never resolve, as in
 * Jinja2's sandbox. Every element a lookup, slice, iteration or {@code in} touches is charged to the budget.
 */
final class Access {
  private Access() {}

  /** What {@link #lookup} answers for a key the dict does not hold. */
  static final Object MISSING = new Object();

  static Object getAttr(Object target, String name, Budget budget) {
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
    return itemOrUndefined(target, name, budget);
  }

  static Object getItem(Object target, Object key, Budget budget) {
    if (target instanceof Undefined u) {
      throw u.error();
    }
    Object found = itemOrUndefined(target, key, budget);
    if (found instanceof Undefined && key instanceof String name) {
      return getAttr(target, name, budget);
    }
    return found;
  }

  /**
   * {@code map[key]} with Python's equality (1, 1.0 and True are one key), or {@link #MISSING}. A str key is
   * looked up directly, since only a str equals a str; any other key is compared with each key in turn.
   */
  static Object lookup(Map<?, ?> map, Object key, Budget budget) {
    budget.step();
    if (key instanceof String) {
      return map.containsKey(key) ? map.get(key) : MISSING;
    }
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (Py.equal(e.getKey(), key, budget)) {
        return e.getValue();
      }
    }
    return MISSING;
  }

  private static Object itemOrUndefined(Object target, Object key, Budget budget) {
    if (target instanceof Map<?, ?> map) {
      Object found = lookup(map, key, budget);
      return found == MISSING ? Undefined.attribute(target, key) : found;
    }
    if ((target instanceof List<?> || target instanceof String) && (key instanceof Long || key instanceof Boolean)) {
      long index = Py.asLong(key);
      if (target instanceof List<?> list) {
        long i = index < 0 ? index + list.size() : index;
        return i >= 0 && i < list.size() ? list.get((int) i) : Undefined.attribute(target, key);
      }
      String s = (String) target;
      int n = Py.length(s, budget);
      long i = index < 0 ? index + n : index;
      if (i < 0 || i >= n) {
        return Undefined.attribute(target, key);
      }
      int at = s.offsetByCodePoints(0, (int) i);
      return s.substring(at, at + Character.charCount(s.codePointAt(at)));
    }
    if (target instanceof Namespace || target instanceof LoopInfo) {
      return key instanceof String name ? getAttr(target, name, budget) : Undefined.attribute(target, key);
    }
    return Undefined.attribute(target, key);
  }

  /** Python's slice semantics on lists, tuples and strings; what the slice takes is charged before it is built. */
  static Object slice(Object target, Object start, Object stop, Object step, Budget budget) {
    if (target instanceof Undefined u) {
      throw u.error();
    }
    long st = step == null ? 1 : sliceIndex(step);
    if (st == 0) {
      throw JinjaException.runtime("slice step cannot be zero");
    }
    if (!(target instanceof String) && !(target instanceof List<?>)) {
      return Undefined.attribute(target, "slice");
    }
    String s = target instanceof String text ? text : null;
    int n = s != null ? Py.length(s, budget) : ((List<?>) target).size();
    long lo;
    long hi;
    if (st > 0) {
      lo = start == null ? 0 : clamp(sliceIndex(start), n, 0, n);
      hi = stop == null ? n : clamp(sliceIndex(stop), n, 0, n);
    } else {
      lo = start == null ? n - 1 : clamp(sliceIndex(start), n, -1, n - 1);
      hi = stop == null ? -1 : clamp(sliceIndex(stop), n, -1, n - 1);
    }
    long span = st > 0 ? hi - lo : lo - hi;
    long count = span <= 0 ? 0 : (span - 1) / Math.abs(st) + 1;
    budget.scan(count);
    if (s != null) {
      return sliceString(s, n, lo, st, count, budget);
    }
    List<?> items = (List<?>) target;
    budget.items(count);
    List<Object> out = new ArrayList<>((int) count);
    for (long k = 0, i = lo; k < count; k++, i += st) {
      out.add(items.get((int) i));
    }
    return target instanceof PyTuple ? new PyTuple(out) : out;
  }

  private static String sliceString(String s, int n, long lo, long st, long count, Budget budget) {
    if (count == 0) {
      return "";
    }
    if (st == 1) { // a substring: found by code point offset, copied once
      int from = s.offsetByCodePoints(0, (int) lo);
      int to = s.offsetByCodePoints(from, (int) count);
      budget.string(to - from);
      return s.substring(from, to);
    }
    boolean bmp = n == s.length(); // no surrogate pairs: a code point is a char
    int[] offsets = null;
    if (!bmp) {
      budget.allocate(2L * n);
      offsets = new int[n];
      for (int i = 0, k = 0; k < n; i += Character.charCount(s.codePointAt(i)), k++) {
        offsets[k] = i;
      }
    }
    TextBuilder out = new TextBuilder(budget);
    for (long k = 0, i = lo; k < count; k++, i += st) {
      if (bmp) {
        out.append(s.charAt((int) i));
      } else {
        out.appendCodePoint(s.codePointAt(offsets[(int) i]));
      }
    }
    return out.build();
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

  /**
   * The items a for loop visits: list items (the list itself, which no caller changes), dict keys, a string's
   * characters; Undefined is empty. Keys and characters are new lists, charged to the budget.
   */
  static List<Object> iterate(Object v, Budget budget) {
    if (v instanceof Undefined) {
      return List.of();
    }
    if (v instanceof List<?> l) {
      @SuppressWarnings("unchecked")
      List<Object> items = (List<Object>) l;
      return items;
    }
    if (v instanceof Map<?, ?> m) {
      budget.scan(m.size());
      budget.items(m.size());
      return new ArrayList<>(m.keySet());
    }
    if (v instanceof String s) {
      int n = Py.length(s, budget);
      budget.steps(n);
      budget.allocate(Budget.saturatedMultiply(n, Budget.ITEM_CHARS + Budget.OBJECT_CHARS));
      List<Object> chars = new ArrayList<>(n);
      s.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
      return chars;
    }
    throw JinjaException.runtime("'" + Py.typeName(v) + "' object is not iterable");
  }

  /** A copy of {@code v}'s items that the caller may reorder, charged to the budget. */
  static List<Object> copy(Object v, Budget budget) {
    List<Object> items = iterate(v, budget);
    if (!(v instanceof List<?>)) {
      return items;
    }
    budget.scan(items.size());
    budget.items(items.size());
    return new ArrayList<>(items);
  }

  /** Python's {@code needle in container}. */
  static boolean contains(Object container, Object needle, Budget budget) {
    if (container instanceof String s) {
      if (!(needle instanceof String n)) {
        throw JinjaException.runtime("'in <string>' requires string as left operand, not " + Py.typeName(needle));
      }
      return Substrings.indexOf(s, n, 0, budget) >= 0;
    }
    if (container instanceof Map<?, ?> m) {
      return lookup(m, needle, budget) != MISSING;
    }
    if (container instanceof List<?> l) {
      for (Object item : l) {
        if (Py.equal(item, needle, budget)) {
          return true;
        }
      }
      return false;
    }
    if (container instanceof Undefined) {
      return false;
    }
    throw JinjaException.runtime("argument of type '" + Py.typeName(container) + "' is not iterable");
  }

  /** Dict keys must be hashable: no lists or dicts, also inside tuples; tuple keys are bounded in depth. */
  static Object hashable(Object key, Budget budget) {
    Py.hash(key, budget);
    return key;
  }
}
