package org.beear.llm.text.jinja;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jinja2's filters over sequences (join, unique, sort, min, max, sum, select, reject, map), with Jinja2's
 * defaults (sort, unique, min and max ignore case unless {@code case_sensitive}) and every element charged to
 * the render's budget: a comparison, a hash or a test per element touched, so a hostile {@code range(n)|sort}
 * stops at the step limit instead of holding the worker.
 */
final class Sequences {
  private Sequences() {}

  /** Python's {@code separator.join(map(str, items))}; {@code strict} (str.join) refuses what is not a str. */
  static String join(List<Object> items, String separator, boolean strict, Budget budget) {
    TextBuilder out = new TextBuilder(budget);
    for (int i = 0; i < items.size(); i++) {
      budget.step();
      if (i > 0) {
        out.append(separator);
      }
      Object item = items.get(i);
      if (strict && !(item instanceof String)) {
        throw JinjaException.runtime("sequence item " + i + ": expected str instance, " + Py.typeName(item) + " found");
      }
      out.append(Repr.str(item, budget));
    }
    return out.build();
  }

  /** Jinja2's make_attrgetter: {@code attribute} may be a dotted path, its integer parts indices. */
  static Object attribute(Object item, Object attribute, Budget budget) {
    if (!(attribute instanceof String path) || path.indexOf('.') < 0) {
      return Access.getItem(item, attribute, budget);
    }
    Object v = item;
    for (String part : path.split("\\.", -1)) {
      budget.step();
      Object key = part.chars().allMatch(Character::isDigit) && !part.isEmpty() && part.length() < 18
          ? (Object) Long.parseLong(part) : part;
      v = Access.getItem(v, key, budget);
      if (v instanceof Undefined) {
        return v;
      }
    }
    return v;
  }

  /** The key a sort, unique, min or max compares: the attribute, if given, lower-cased unless case-sensitive. */
  private static Object key(Object item, Object attribute, boolean caseSensitive, Budget budget) {
    Object k = attribute == null ? item : attribute(item, attribute, budget);
    if (!caseSensitive && k instanceof String s) {
      budget.string(s.length());
      return s.toLowerCase(java.util.Locale.ROOT);
    }
    return k;
  }

  /** Jinja2's unique: the first of each group of equal keys, found by hashing (unhashable keys are refused). */
  static List<Object> unique(Object v, Object attribute, boolean caseSensitive, Budget budget) {
    List<Object> items = Access.iterate(v, budget);
    budget.items(2L * items.size());
    Set<HashKey> seen = new HashSet<>();
    List<Object> out = new ArrayList<>();
    for (Object item : items) {
      Object k = key(item, attribute, caseSensitive, budget);
      if (seen.add(new HashKey(k, Py.hash(k, budget), budget))) {
        out.add(item);
      }
    }
    return out;
  }

  /** A value in a Java hash set with Python's equality; its hash is Py.hash, computed once. */
  private record HashKey(Object value, int hash, Budget budget) {
    @Override
    public boolean equals(Object o) {
      return o instanceof HashKey k && Py.equal(value, k.value, budget);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** Jinja2's sort: stable, by key, each comparison a step. */
  static List<Object> sort(Object v, boolean reverse, boolean caseSensitive, Object attribute, Budget budget) {
    List<Object> items = Access.iterate(v, budget);
    budget.items(3L * items.size());
    List<Object[]> keyed = new ArrayList<>(items.size());
    for (Object item : items) {
      keyed.add(new Object[] {key(item, attribute, caseSensitive, budget), item});
    }
    Comparator<Object[]> order = (a, b) -> Py.compare(a[0], b[0], "<", budget);
    try {
      keyed.sort(reverse ? order.reversed() : order);
    } catch (IllegalArgumentException e) {
      if (e.getMessage() == null || !e.getMessage().startsWith("Comparison method violates")) {
        throw e; // not TimSort's: a caller's (a cancellation may throw anything)
      }
      // TimSort found the order inconsistent (NaN in lists, say), where Python would sort anyway
      throw JinjaException.runtime("sort: values of this kind cannot be ordered consistently");
    }
    List<Object> out = new ArrayList<>(keyed.size());
    keyed.forEach(pair -> out.add(pair[1]));
    return out;
  }

  /** Jinja2's min and max: the first smallest (largest) by key, or Undefined for an empty sequence. */
  static Object minMax(Object v, boolean max, boolean caseSensitive, Object attribute, Budget budget) {
    List<Object> items = Access.iterate(v, budget);
    if (items.isEmpty()) {
      return Undefined.named(max ? "max" : "min");
    }
    Object best = items.get(0);
    Object bestKey = key(best, attribute, caseSensitive, budget);
    for (int i = 1; i < items.size(); i++) {
      Object k = key(items.get(i), attribute, caseSensitive, budget);
      int c = Py.compare(k, bestKey, max ? ">" : "<", budget);
      if (max ? c > 0 : c < 0) {
        best = items.get(i);
        bestKey = k;
      }
    }
    return best;
  }

  static Object sum(Object v, Object attribute, Object start, Budget budget) {
    Object total = start;
    for (Object x : Access.iterate(v, budget)) {
      budget.step();
      total = Arithmetic.binary("+", total, attribute == null ? x : attribute(x, attribute, budget), budget);
    }
    return total;
  }

  /** select/reject (by a test on the item) and selectattr/rejectattr (on an attribute of it). */
  static List<Object> select(Interpreter in, String name, Object v, List<Object> args) {
    boolean byAttribute = name.endsWith("attr");
    boolean keep = name.startsWith("select");
    if (byAttribute && args.isEmpty()) {
      throw JinjaException.runtime(name + "() missing the attribute to test");
    }
    List<Object> rest = args.subList(byAttribute ? 1 : 0, args.size());
    String test = rest.isEmpty() ? null : Repr.str(rest.get(0), in.budget);
    if (test != null && !Builtins.hasTest(test)) {
      throw JinjaException.runtime("no test named '" + test + "'");
    }
    List<Object> out = new ArrayList<>();
    for (Object item : Access.iterate(v, in.budget)) {
      in.budget.step();
      Object subject = byAttribute ? attribute(item, args.get(0), in.budget) : item;
      boolean passed = test == null
          ? Py.truthy(subject)
          : Builtins.test(in, test, subject, rest.subList(1, rest.size()));
      if (passed == keep) {
        in.budget.items(1);
        out.add(item);
      }
    }
    return out;
  }

  /** map(attribute=..., default=...) or map('filter', args...): the attribute or the filter of each item. */
  static List<Object> map(Interpreter in, Object v, List<Object> args, Map<String, Object> kwargs) {
    Object attribute = kwargs.get("attribute");
    String filter = null;
    if (attribute == null) {
      if (args.isEmpty()) {
        throw JinjaException.runtime("map() needs a filter name or attribute=");
      }
      filter = Repr.str(args.get(0), in.budget);
      if (!Builtins.hasFilter(filter)) {
        throw JinjaException.runtime("no filter named '" + filter + "'");
      }
    }
    List<Object> out = new ArrayList<>();
    for (Object item : Access.iterate(v, in.budget)) {
      in.budget.step();
      in.budget.items(1);
      if (filter == null) {
        Object value = attribute(item, attribute, in.budget);
        out.add(value instanceof Undefined && kwargs.containsKey("default") ? kwargs.get("default") : value);
      } else {
        out.add(Builtins.filter(in, filter, item, args.subList(1, args.size()), kwargs));
      }
    }
    return out;
  }
}
