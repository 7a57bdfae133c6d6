package org.beear.llm.text.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jinja2's filters and tests as chat templates use them, with transformers' {@code tojson}; sequence filters are
 * {@link Sequences}', string ones {@link Strings}'. What each costs is charged to the render's budget.
 */
final class Builtins {
  private Builtins() {}

  private static final Set<String> FILTERS = Set.of(
      "abs", "attr", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "indent", "int", "items",
      "join", "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse",
      "round", "safe", "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "unique", "upper",
      "wordcount");

  private static final Set<String> TESTS = Set.of(
      "boolean", "callable", "defined", "divisibleby", "eq", "equalto", "escaped", "even", "false", "filter", "float",
      "ge", "gt", "in", "integer", "iterable", "le", "lower", "lt", "mapping", "ne", "none", "number", "odd", "sameas",
      "sequence", "string", "test", "true", "undefined", "upper", "==", "!=", "<", "<=", ">", ">=");

  /** The filters that take Undefined as Jinja2's do (as empty, or as the value to replace); the rest refuse it. */
  private static final Set<String> UNDEFINED_FILTERS = Set.of("default", "d", "string", "trim", "length", "count",
      "list", "join", "lower", "upper", "safe", "e", "escape", "first", "last", "tojson");

  static boolean hasFilter(String name) {
    return FILTERS.contains(name);
  }

  static boolean hasTest(String name) {
    return TESTS.contains(name);
  }

  private static Object arg(List<Object> args, Map<String, Object> kwargs, int index, String key, Object fallback) {
    if (args.size() > index) {
      return args.get(index);
    }
    return kwargs.getOrDefault(key, fallback);
  }

  /** A positional argument the filter cannot do without. */
  private static Object required(List<Object> args, int index, String filter) {
    if (args.size() <= index) {
      throw JinjaException.runtime(filter + "() missing a required argument");
    }
    return args.get(index);
  }

  private static String optionalString(Object v, String what) {
    if (v != null && !(v instanceof String)) {
      throw JinjaException.runtime(what + " must be None or a string, not " + Py.typeName(v));
    }
    return (String) v;
  }

  static Object filter(Interpreter in, String name, Object v, List<Object> args, Map<String, Object> kwargs) {
    if (v instanceof Undefined u && !UNDEFINED_FILTERS.contains(name)) {
      throw u.error();
    }
    Budget budget = in.budget;
    switch (name) {
      case "default":
      case "d": {
        boolean onFalse = Py.truthy(arg(args, kwargs, 1, "boolean", false));
        boolean missing = v instanceof Undefined || (onFalse && !Py.truthy(v));
        return missing ? arg(args, kwargs, 0, "default_value", "") : v;
      }
      case "trim":
        return Py.strip(Repr.str(v, budget), optionalString(arg(args, kwargs, 0, "chars", null), "trim chars"), true,
            true, budget);
      case "length":
      case "count":
        return length(v, budget);
      case "string":
      case "safe":
        return Repr.str(v, budget);
      case "e":
      case "escape":
        return escape(Repr.str(v, budget), budget);
      case "upper":
        return Strings.upper(Repr.str(v, budget), budget);
      case "lower":
        return Strings.lower(Repr.str(v, budget), budget);
      case "capitalize":
        return Strings.capitalize(Repr.str(v, budget), budget);
      case "title":
        return Strings.title(Repr.str(v, budget), budget);
      case "replace":
        return Strings.replace(Repr.str(v, budget), Repr.str(required(args, 0, name), budget),
            Repr.str(required(args, 1, name), budget), args.size() > 2 ? Py.asLong(args.get(2)) : -1, budget);
      case "tojson":
        return PyJson.dumps(v, arg(args, kwargs, 0, "indent", null), budget);
      case "list":
        return Access.copy(v, budget);
      case "first":
      case "last":
        return firstOrLast(v, name.equals("first"), budget);
      case "reverse": {
        if (v instanceof String s) {
          budget.string(s.length());
          budget.scan(s.length());
          return new StringBuilder(s).reverse().toString();
        }
        List<Object> items = Access.copy(v, budget);
        java.util.Collections.reverse(items);
        return items;
      }
      case "join": {
        Object attribute = arg(args, kwargs, 1, "attribute", null);
        List<Object> items = Access.iterate(v, budget);
        if (attribute != null) {
          budget.items(items.size());
          items = items.stream().map(x -> Sequences.attribute(x, attribute, budget)).toList();
        }
        return Sequences.join(items, Repr.str(arg(args, kwargs, 0, "d", ""), budget), false, budget);
      }
      case "items":
        if (!(v instanceof Map<?, ?> m)) {
          throw JinjaException.runtime("items filter needs a mapping, got " + Py.typeName(v));
        }
        return Methods.bind(m, "items").call(in, List.of(), Map.of());
      case "int":
        return toInt(v, arg(args, kwargs, 0, "default", 0L), budget);
      case "float":
        return toFloat(v, arg(args, kwargs, 0, "default", 0.0), budget);
      case "abs":
        return v instanceof Double d ? (Object) Math.abs(d) : (Object) Math.absExact(Py.asLong(v));
      case "round":
        return Math.rint(Py.asDouble(v));
      case "attr":
        return Access.getAttr(v, Repr.str(required(args, 0, name), budget), budget);
      case "select":
      case "reject":
      case "selectattr":
      case "rejectattr":
        return Sequences.select(in, name, v, args);
      case "map":
        return Sequences.map(in, v, args, kwargs);
      case "unique":
        return Sequences.unique(v, arg(args, kwargs, 1, "attribute", null),
            Py.truthy(arg(args, kwargs, 0, "case_sensitive", false)), budget);
      case "sort":
        return Sequences.sort(v, Py.truthy(arg(args, kwargs, 0, "reverse", false)),
            Py.truthy(arg(args, kwargs, 1, "case_sensitive", false)), arg(args, kwargs, 2, "attribute", null), budget);
      case "max":
      case "min":
        return Sequences.minMax(v, name.equals("max"), Py.truthy(arg(args, kwargs, 0, "case_sensitive", false)),
            arg(args, kwargs, 1, "attribute", null), budget);
      case "sum":
        return Sequences.sum(v, arg(args, kwargs, 0, "attribute", null), arg(args, kwargs, 1, "start", 0L), budget);
      case "wordcount":
        return Strings.wordCount(Repr.str(v, budget), budget);
      case "indent":
        return Strings.indent(Repr.str(v, budget), arg(args, kwargs, 0, "width", 4L),
            Py.truthy(arg(args, kwargs, 1, "first", false)), Py.truthy(arg(args, kwargs, 2, "blank", false)), budget);
      default:
        throw JinjaException.runtime("no filter named '" + name + "'");
    }
  }

  private static Object length(Object v, Budget budget) {
    if (v instanceof String s) {
      return (long) Py.length(s, budget);
    }
    if (v instanceof List<?> l) {
      return (long) l.size();
    }
    if (v instanceof Map<?, ?> m) {
      return (long) m.size();
    }
    if (v instanceof Undefined) {
      return 0L;
    }
    throw JinjaException.runtime("object of type '" + Py.typeName(v) + "' has no len()");
  }

  /** first/last without copying: a list's end, a string's end code point, a dict's first or last key. */
  private static Object firstOrLast(Object v, boolean first, Budget budget) {
    budget.step();
    if (v instanceof List<?> l) {
      return l.isEmpty() ? Undefined.named(first ? "first" : "last") : l.get(first ? 0 : l.size() - 1);
    }
    if (v instanceof String s) {
      if (s.isEmpty()) {
        return Undefined.named(first ? "first" : "last");
      }
      int cp = first ? s.codePointAt(0) : s.codePointBefore(s.length());
      return new String(Character.toChars(cp));
    }
    List<Object> items = Access.iterate(v, budget);
    return items.isEmpty() ? Undefined.named(first ? "first" : "last") : items.get(first ? 0 : items.size() - 1);
  }

  /** Jinja2's escape (markupsafe): &, <, >, ' and " as entities, the result's length known before it is built. */
  private static String escape(String s, Budget budget) {
    budget.scan(s.length());
    long length = s.length();
    for (int i = 0; i < s.length(); i++) {
      length += switch (s.charAt(i)) {
        case '&', '\'', '"' -> 4;
        case '<', '>' -> 3;
        default -> 0;
      };
    }
    if (length == s.length()) {
      return s;
    }
    budget.string(length);
    StringBuilder out = new StringBuilder((int) length);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '\'' -> out.append("&#39;");
        case '"' -> out.append("&#34;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private static Object toInt(Object v, Object fallback, Budget budget) {
    if (v instanceof Long || v instanceof Boolean) {
      return Py.asLong(v);
    }
    if (v instanceof Double d) {
      return (long) (double) d;
    }
    String text = Repr.str(v, budget);
    budget.string(text.length());
    budget.scan(text.length());
    try {
      return Long.parseLong(Py.strip(text, null, true, true, budget).replace("_", ""));
    } catch (NumberFormatException e) {
      try {
        return (long) Double.parseDouble(text.strip());
      } catch (NumberFormatException e2) {
        return fallback;
      }
    }
  }

  private static Object toFloat(Object v, Object fallback, Budget budget) {
    if (Py.isNumber(v)) {
      return Py.asDouble(v);
    }
    String text = Repr.str(v, budget);
    budget.string(text.length());
    budget.scan(text.length());
    try {
      return Double.parseDouble(text.strip());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  static boolean test(Interpreter in, String name, Object v, List<Object> args) {
    Budget budget = in.budget;
    return switch (name) {
      case "defined" -> !(v instanceof Undefined);
      case "undefined" -> v instanceof Undefined;
      case "none" -> v == null;
      case "string" -> v instanceof String;
      case "number" -> Py.isNumber(v);
      case "integer" -> v instanceof Long;
      case "float" -> v instanceof Double;
      case "boolean" -> v instanceof Boolean;
      case "true" -> Boolean.TRUE.equals(v);
      case "false" -> Boolean.FALSE.equals(v);
      case "mapping" -> v instanceof Map;
      case "iterable" -> v instanceof List || v instanceof Map || v instanceof String || v instanceof Undefined;
      case "sequence" -> v instanceof List || v instanceof Map || v instanceof String;
      case "callable" -> v instanceof PyCallable;
      case "escaped" -> false;
      case "odd" -> Math.floorMod(Py.asLong(v), 2) == 1;
      case "even" -> Math.floorMod(Py.asLong(v), 2) == 0;
      case "divisibleby" -> {
        long divisor = Py.asLong(required(args, 0, name));
        if (divisor == 0) {
          throw JinjaException.runtime("integer division or modulo by zero");
        }
        yield Math.floorMod(Py.asLong(v), divisor) == 0;
      }
      case "sameas" -> {
        Object other = required(args, 0, name);
        yield v == other || (v != null && (v instanceof Boolean || v instanceof Long) && v.equals(other));
      }
      case "eq", "equalto", "==" -> Py.equal(v, required(args, 0, name), budget);
      case "ne", "!=" -> !Py.equal(v, required(args, 0, name), budget);
      case "lt", "<" -> Py.compare(v, required(args, 0, name), "<", budget) < 0;
      case "le", "<=" -> Py.compare(v, required(args, 0, name), "<=", budget) <= 0;
      case "gt", ">" -> Py.compare(v, required(args, 0, name), ">", budget) > 0;
      case "ge", ">=" -> Py.compare(v, required(args, 0, name), ">=", budget) >= 0;
      case "in" -> Access.contains(required(args, 0, name), v, budget);
      case "lower" -> v instanceof String s && s.equals(Strings.lower(s, budget));
      case "upper" -> v instanceof String s && s.equals(Strings.upper(s, budget));
      case "filter" -> v instanceof String s && hasFilter(s);
      case "test" -> v instanceof String s && hasTest(s);
      default -> throw JinjaException.runtime("no test named '" + name + "'");
    };
  }

  /** Globals every template sees, as transformers defines them. */
  static Map<String, Object> globals(java.time.Clock clock) {
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("raise_exception", (PyCallable) (in, a, k) -> {
      throw new JinjaException(JinjaException.Kind.RAISED, a.isEmpty() ? "" : Repr.str(a.get(0), in.budget));
    });
    g.put("strftime_now", (PyCallable) (in, a, k) -> Strftime.format(Repr.str(required(a, 0, "strftime_now"),
        in.budget), java.time.LocalDateTime.now(clock), in.budget));
    g.put("namespace", (PyCallable) (in, a, k) -> {
      Namespace ns = new Namespace();
      if (!a.isEmpty() && a.get(0) instanceof Map<?, ?> m) {
        in.budget.scan(m.size());
        in.budget.items(m.size());
        m.forEach((key, value) -> ns.attributes().put(Repr.str(key, in.budget), value));
      }
      ns.attributes().putAll(k);
      return ns;
    });
    g.put("dict", (PyCallable) (in, a, k) -> new LinkedHashMap<Object, Object>(k));
    g.put("range", (PyCallable) Builtins::range);
    return g;
  }

  private static Object range(Interpreter in, List<Object> a, Map<String, Object> k) {
    long start = a.size() > 1 ? Py.asLong(a.get(0)) : 0;
    long stop = a.size() > 1 ? Py.asLong(a.get(1)) : Py.asLong(required(a, 0, "range"));
    long step = a.size() > 2 ? Py.asLong(a.get(2)) : 1;
    if (step == 0) {
      throw JinjaException.runtime("range() arg 3 must not be zero");
    }
    List<Object> out = new ArrayList<>();
    for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
      in.budget.step();
      in.budget.allocate(Budget.ITEM_CHARS + Budget.OBJECT_CHARS);
      out.add(i);
      if (step > 0 ? i > Long.MAX_VALUE - step : i < Long.MIN_VALUE - step) {
        break; // the next value would wrap around
      }
    }
    return out;
  }
}
