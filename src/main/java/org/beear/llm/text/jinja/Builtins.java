package org.beear.llm.text.jinja;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Jinja2's filters and tests as chat templates use them, with transformers' {@code tojson}. */
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

  private static String string(Object v) {
    return Py.str(v);
  }

  static Object filter(Interpreter in, String name, Object v, List<Object> args, Map<String, Object> kwargs) {
    if (v instanceof Undefined u && !Set.of("default", "d", "string", "trim", "length", "count", "list", "join",
        "lower", "upper", "safe", "e", "escape", "first", "last", "tojson").contains(name)) {
      throw u.error();
    }
    switch (name) {
      case "default":
      case "d": {
        boolean onFalse = Py.truthy(arg(args, kwargs, 1, "boolean", false));
        boolean missing = v instanceof Undefined || (onFalse && !Py.truthy(v));
        return missing ? arg(args, kwargs, 0, "default_value", "") : v;
      }
      case "trim":
        return Py.strip(string(v), (String) arg(args, kwargs, 0, "chars", null), true, true);
      case "length":
      case "count":
        return length(v);
      case "string":
      case "safe":
        return string(v);
      case "e":
      case "escape":
        return string(v).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;")
            .replace("\"", "&#34;");
      case "upper":
        return string(v).toUpperCase(java.util.Locale.ROOT);
      case "lower":
        return string(v).toLowerCase(java.util.Locale.ROOT);
      case "capitalize":
        return capitalize(string(v));
      case "title":
        return title(string(v));
      case "replace":
        return Methods.replace(in, string(v), string(args.get(0)), string(args.get(1)),
            args.size() > 2 ? Py.asLong(args.get(2)) : -1);
      case "tojson":
        return PyJson.dumps(v, arg(args, kwargs, 0, "indent", null), in.budget);
      case "list":
        return Access.iterate(v);
      case "first": {
        List<Object> items = Access.iterate(v);
        return items.isEmpty() ? Undefined.named("first") : items.get(0);
      }
      case "last": {
        List<Object> items = Access.iterate(v);
        return items.isEmpty() ? Undefined.named("last") : items.get(items.size() - 1);
      }
      case "reverse": {
        if (v instanceof String s) {
          return new StringBuilder(s).reverse().toString();
        }
        List<Object> items = Access.iterate(v);
        java.util.Collections.reverse(items);
        return items;
      }
      case "join": {
        Object attribute = arg(args, kwargs, 1, "attribute", null);
        List<Object> items = Access.iterate(v);
        if (attribute != null) {
          items = items.stream().map(x -> Access.getItem(x, attribute)).toList();
        }
        return join(in, items, string(arg(args, kwargs, 0, "d", "")), false);
      }
      case "items":
        if (!(v instanceof Map<?, ?> m)) {
          throw JinjaException.runtime("items filter needs a mapping, got " + Py.typeName(v));
        }
        return Methods.bind(m, "items").call(in, List.of(), Map.of());
      case "int":
        return toInt(v, arg(args, kwargs, 0, "default", 0L));
      case "float":
        return toFloat(v, arg(args, kwargs, 0, "default", 0.0));
      case "abs":
        return v instanceof Double d ? (Object) Math.abs(d) : (Object) Math.absExact(Py.asLong(v));
      case "round":
        return Math.rint(Py.asDouble(v));
      case "attr":
        return Access.getAttr(v, string(args.get(0)));
      case "select":
      case "reject":
      case "selectattr":
      case "rejectattr":
        return select(in, name, v, args);
      case "map":
        return map(in, v, args, kwargs);
      case "unique": {
        List<Object> out = new ArrayList<>();
        for (Object x : Access.iterate(v)) {
          if (out.stream().noneMatch(y -> Py.equal(x, y))) {
            out.add(x);
          }
        }
        return out;
      }
      case "sort": {
        List<Object> items = Access.iterate(v);
        Comparator<Object> order = (a, b) -> Py.compare(a, b, "<");
        items.sort(Py.truthy(arg(args, kwargs, 0, "reverse", false)) ? order.reversed() : order);
        return items;
      }
      case "max":
      case "min": {
        List<Object> items = Access.iterate(v);
        if (items.isEmpty()) {
          return Undefined.named(name);
        }
        Object best = items.get(0);
        for (Object x : items) {
          int c = Py.compare(x, best, "<");
          if (name.equals("max") ? c > 0 : c < 0) {
            best = x;
          }
        }
        return best;
      }
      case "sum": {
        Object total = 0L;
        for (Object x : Access.iterate(v)) {
          total = Arithmetic.binary("+", total, x, in.budget);
        }
        return total;
      }
      case "wordcount":
        return (long) Methods.split(string(v), null, -1).size();
      case "indent":
        return indent(string(v), arg(args, kwargs, 0, "width", 4L), Py.truthy(arg(args, kwargs, 1, "first", false)),
            Py.truthy(arg(args, kwargs, 2, "blank", false)), in.budget);
      default:
        throw JinjaException.runtime("no filter named '" + name + "'");
    }
  }

  private static Object length(Object v) {
    if (v instanceof String s) {
      return (long) Py.length(s);
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

  private static Object toInt(Object v, Object fallback) {
    if (v instanceof Long || v instanceof Boolean) {
      return Py.asLong(v);
    }
    if (v instanceof Double d) {
      return (long) (double) d;
    }
    try {
      return Long.parseLong(Py.strip(Py.str(v), null, true, true).replace("_", ""));
    } catch (NumberFormatException e) {
      try {
        return (long) Double.parseDouble(Py.str(v).strip());
      } catch (NumberFormatException e2) {
        return fallback;
      }
    }
  }

  private static Object toFloat(Object v, Object fallback) {
    if (Py.isNumber(v)) {
      return Py.asDouble(v);
    }
    try {
      return Double.parseDouble(Py.str(v).strip());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  static String join(Interpreter in, List<Object> items, String separator, boolean strict) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        out.append(separator);
      }
      Object item = items.get(i);
      if (strict && !(item instanceof String)) {
        throw JinjaException.runtime("sequence item " + i + ": expected str instance, " + Py.typeName(item) + " found");
      }
      out.append(Py.str(item));
      in.budget.string(out.length());
    }
    return out.toString();
  }

  static String capitalize(String s) {
    if (s.isEmpty()) {
      return s;
    }
    int first = s.codePointAt(0);
    return new String(Character.toChars(Character.toTitleCase(first))) + s.substring(Character.charCount(first))
        .toLowerCase(java.util.Locale.ROOT);
  }

  /** Jinja2's title filter: upper-cases the first letter of each word (after a space, -, (, {, [). */
  static String title(String s) {
    StringBuilder out = new StringBuilder();
    boolean start = true;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      out.appendCodePoint(start ? Character.toUpperCase(cp) : Character.toLowerCase(cp));
      start = Py.isSpace(cp) || "-([{".indexOf(cp) >= 0;
      i += Character.charCount(cp);
    }
    return out.toString();
  }

  private static String indent(String s, Object width, boolean first, boolean blank, Budget budget) {
    String pad = width instanceof String w ? w : " ".repeat((int) Math.min(Py.asLong(width), 1000));
    StringBuilder out = new StringBuilder();
    String[] lines = s.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (i > 0) {
        out.append('\n');
      }
      boolean indentIt = (i > 0 || first) && (blank || !Py.isBlank(lines[i], 0));
      out.append(indentIt ? pad : "").append(lines[i]);
      budget.string(out.length());
    }
    return out.toString();
  }

  private static List<Object> select(Interpreter in, String name, Object v, List<Object> args) {
    boolean byAttribute = name.endsWith("attr");
    boolean keep = name.startsWith("select");
    List<Object> out = new ArrayList<>();
    for (Object item : Access.iterate(v)) {
      Object subject = byAttribute ? Access.getItem(item, args.get(0)) : item;
      List<Object> rest = args.subList(byAttribute ? 1 : 0, args.size());
      boolean passed = rest.isEmpty()
          ? Py.truthy(subject)
          : test(in, Py.str(rest.get(0)), subject, rest.subList(1, rest.size()));
      if (passed == keep) {
        out.add(item);
      }
    }
    return out;
  }

  private static List<Object> map(Interpreter in, Object v, List<Object> args, Map<String, Object> kwargs) {
    List<Object> out = new ArrayList<>();
    Object attribute = kwargs.get("attribute");
    for (Object item : Access.iterate(v)) {
      if (attribute != null) {
        Object value = Access.getItem(item, attribute);
        out.add(value instanceof Undefined && kwargs.containsKey("default") ? kwargs.get("default") : value);
      } else {
        String filter = Py.str(args.get(0));
        if (!hasFilter(filter)) {
          throw JinjaException.runtime("no filter named '" + filter + "'");
        }
        out.add(filter(in, filter, item, args.subList(1, args.size()), Map.of()));
      }
    }
    return out;
  }

  static boolean test(Interpreter in, String name, Object v, List<Object> args) {
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
      case "divisibleby" -> Math.floorMod(Py.asLong(v), Py.asLong(args.get(0))) == 0;
      case "sameas" -> v == args.get(0) || (v != null && (v instanceof Boolean || v instanceof Long)
          && v.equals(args.get(0)));
      case "eq", "equalto", "==" -> Py.equal(v, args.get(0));
      case "ne", "!=" -> !Py.equal(v, args.get(0));
      case "lt", "<" -> Py.compare(v, args.get(0), "<") < 0;
      case "le", "<=" -> Py.compare(v, args.get(0), "<=") <= 0;
      case "gt", ">" -> Py.compare(v, args.get(0), ">") > 0;
      case "ge", ">=" -> Py.compare(v, args.get(0), ">=") >= 0;
      case "in" -> Access.contains(args.get(0), v);
      case "lower" -> v instanceof String s && s.equals(s.toLowerCase(java.util.Locale.ROOT));
      case "upper" -> v instanceof String s && s.equals(s.toUpperCase(java.util.Locale.ROOT));
      case "filter" -> v instanceof String s && hasFilter(s);
      case "test" -> v instanceof String s && hasTest(s);
      default -> throw JinjaException.runtime("no test named '" + name + "'");
    };
  }

  /** Globals every template sees, as transformers defines them. */
  static Map<String, Object> globals(java.time.Clock clock) {
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("raise_exception", (PyCallable) (in, a, k) -> {
      throw new JinjaException(JinjaException.Kind.RAISED, a.isEmpty() ? "" : Py.str(a.get(0)));
    });
    g.put("strftime_now", (PyCallable) (in, a, k) -> Strftime.format(Py.str(a.get(0)),
        java.time.LocalDateTime.now(clock)));
    g.put("namespace", (PyCallable) (in, a, k) -> {
      Namespace ns = new Namespace();
      if (!a.isEmpty() && a.get(0) instanceof Map<?, ?> m) {
        m.forEach((key, value) -> ns.attributes().put(Py.str(key), value));
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
    long stop = a.size() > 1 ? Py.asLong(a.get(1)) : Py.asLong(a.get(0));
    long step = a.size() > 2 ? Py.asLong(a.get(2)) : 1;
    if (step == 0) {
      throw JinjaException.runtime("range() arg 3 must not be zero");
    }
    List<Object> out = new ArrayList<>();
    for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
      in.budget.step();
      out.add(i);
    }
    return out;
  }
}
