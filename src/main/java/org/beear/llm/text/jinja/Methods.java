package org.beear.llm.text.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Python methods templates call on strings ({@code .strip()}, {@code .split('</think>')}, ...) and
 * dicts ({@code .items()}, {@code .get()}), with Python's results. Mutating methods of lists and dicts
 * are refused, as Jinja2's immutable sandbox (which transformers uses) refuses them.
 */
final class Methods {
  private Methods() {}

  private static final java.util.Set<String> MUTATORS = java.util.Set.of(
      "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "setdefault", "popitem");

  /** The bound method {@code target.name}, or null if the type has none by that name. */
  static PyCallable bind(Object target, String name) {
    if (target instanceof String s) {
      return stringMethod(s, name);
    }
    if (target instanceof Map<?, ?> m) {
      return switch (name) {
        case "items" -> (in, a, k) -> {
          List<Object> pairs = new ArrayList<>();
          m.forEach((key, value) -> pairs.add(new PyTuple(java.util.Arrays.asList(key, value))));
          return pairs;
        };
        case "keys" -> (in, a, k) -> new ArrayList<Object>(m.keySet());
        case "values" -> (in, a, k) -> new ArrayList<Object>(m.values());
        case "get" -> (in, a, k) -> {
          Object found = Access.getItem(m, arg(a, 0, name));
          return found instanceof Undefined ? (a.size() > 1 ? a.get(1) : null) : found;
        };
        case "copy" -> (in, a, k) -> new java.util.LinkedHashMap<Object, Object>(m);
        default -> refuseMutation(target, name);
      };
    }
    if (target instanceof List<?> l) {
      return switch (name) {
        case "index" -> (in, a, k) -> {
          for (int i = 0; i < l.size(); i++) {
            if (Py.equal(l.get(i), arg(a, 0, name))) {
              return (long) i;
            }
          }
          throw JinjaException.runtime(Py.repr(a.get(0)) + " is not in list");
        };
        case "count" -> (in, a, k) -> l.stream().filter(x -> Py.equal(x, arg(a, 0, name))).count();
        default -> refuseMutation(target, name);
      };
    }
    return null;
  }

  private static PyCallable refuseMutation(Object target, String name) {
    if (!MUTATORS.contains(name)) {
      return null;
    }
    return (in, a, k) -> {
      throw JinjaException.runtime("access to attribute '" + name + "' of '" + Py.typeName(target)
          + "' object is unsafe (templates cannot modify values)");
    };
  }

  private static Object arg(List<Object> args, int index, String method) {
    if (args.size() <= index) {
      throw JinjaException.runtime(method + "() missing a required argument");
    }
    return args.get(index);
  }

  private static String stringArg(List<Object> args, int index, String method) {
    Object v = arg(args, index, method);
    if (!(v instanceof String s)) {
      throw JinjaException.runtime(method + "() argument must be str, not " + Py.typeName(v));
    }
    return s;
  }

  /** Optional string argument: absent or None means "whitespace" for strip and split. */
  private static String optionalString(List<Object> args, int index, String method) {
    return args.size() <= index || args.get(index) == null ? null : stringArg(args, index, method);
  }

  private static PyCallable stringMethod(String s, String name) {
    return switch (name) {
      case "strip" -> (in, a, k) -> Py.strip(s, optionalString(a, 0, name), true, true);
      case "lstrip" -> (in, a, k) -> Py.strip(s, optionalString(a, 0, name), true, false);
      case "rstrip" -> (in, a, k) -> Py.strip(s, optionalString(a, 0, name), false, true);
      case "upper" -> (in, a, k) -> s.toUpperCase(java.util.Locale.ROOT);
      case "lower" -> (in, a, k) -> s.toLowerCase(java.util.Locale.ROOT);
      case "capitalize" -> (in, a, k) -> Builtins.capitalize(s);
      case "title" -> (in, a, k) -> Builtins.title(s);
      case "startswith" -> (in, a, k) -> affix(s, arg(a, 0, name), true);
      case "endswith" -> (in, a, k) -> affix(s, arg(a, 0, name), false);
      case "split" -> (in, a, k) -> split(s, optionalString(a, 0, name), maxSplit(a, k));
      case "replace" -> (in, a, k) -> replace(in, s, stringArg(a, 0, name), stringArg(a, 1, name),
          a.size() > 2 ? Py.asLong(a.get(2)) : -1);
      case "find" -> (in, a, k) -> (long) codePointIndex(s, s.indexOf(stringArg(a, 0, name)));
      case "rfind" -> (in, a, k) -> (long) codePointIndex(s, s.lastIndexOf(stringArg(a, 0, name)));
      case "count" -> (in, a, k) -> count(s, stringArg(a, 0, name));
      case "join" -> (in, a, k) -> Builtins.join(in, Access.iterate(arg(a, 0, name)), s, true);
      case "isdigit" -> (in, a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
      case "isspace" -> (in, a, k) -> !s.isEmpty() && Py.isBlank(s, 0);
      case "isalpha" -> (in, a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
      case "islower" -> (in, a, k) -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toLowerCase());
      case "isupper" -> (in, a, k) -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toUpperCase());
      default -> null;
    };
  }

  private static int codePointIndex(String s, int utf16Index) {
    return utf16Index < 0 ? -1 : s.codePointCount(0, utf16Index);
  }

  private static long count(String s, String sub) {
    if (sub.isEmpty()) {
      return Py.length(s) + 1L;
    }
    long n = 0;
    for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
      n++;
    }
    return n;
  }

  private static boolean affix(String s, Object affix, boolean prefix) {
    if (affix instanceof PyTuple t) {
      return t.stream().anyMatch(x -> affix(s, x, prefix));
    }
    if (!(affix instanceof String a)) {
      throw JinjaException.runtime((prefix ? "startswith" : "endswith")
          + " first arg must be str or a tuple of str, not " + Py.typeName(affix));
    }
    return prefix ? s.startsWith(a) : s.endsWith(a);
  }

  private static long maxSplit(List<Object> args, Map<String, Object> kwargs) {
    Object v = args.size() > 1 ? args.get(1) : kwargs.getOrDefault("maxsplit", -1L);
    return Py.asLong(v);
  }

  /** str.split: on runs of whitespace dropping empty parts (sep None), else on each sep. */
  static List<Object> split(String s, String sep, long maxSplit) {
    List<Object> parts = new ArrayList<>();
    if (sep == null) {
      int i = 0;
      int n = s.length();
      while (true) {
        while (i < n && Py.isSpace(s.charAt(i))) {
          i++;
        }
        if (i >= n) {
          break;
        }
        if (maxSplit >= 0 && parts.size() >= maxSplit) {
          parts.add(Py.rstrip(s.substring(i)));
          break;
        }
        int start = i;
        while (i < n && !Py.isSpace(s.charAt(i))) {
          i++;
        }
        parts.add(s.substring(start, i));
      }
      return parts;
    }
    if (sep.isEmpty()) {
      throw JinjaException.runtime("empty separator");
    }
    int from = 0;
    while (maxSplit < 0 || parts.size() < maxSplit) {
      int at = s.indexOf(sep, from);
      if (at < 0) {
        break;
      }
      parts.add(s.substring(from, at));
      from = at + sep.length();
    }
    parts.add(s.substring(from));
    return parts;
  }

  static String replace(Interpreter in, String s, String old, String replacement, long count) {
    StringBuilder out = new StringBuilder();
    long done = 0;
    if (old.isEmpty()) {
      int[] cps = s.codePoints().toArray();
      for (int cp : cps) {
        if (count < 0 || done < count) {
          out.append(replacement);
          done++;
        }
        out.appendCodePoint(cp);
        in.budget.string(out.length());
      }
      if (count < 0 || done < count) {
        out.append(replacement);
      }
      in.budget.string(out.length());
      return out.toString();
    }
    int from = 0;
    for (int at = s.indexOf(old); at >= 0 && (count < 0 || done < count); at = s.indexOf(old, from)) {
      out.append(s, from, at).append(replacement);
      in.budget.string(out.length());
      from = at + old.length();
      done++;
    }
    out.append(s, from, s.length());
    in.budget.string(out.length());
    return out.toString();
  }
}
