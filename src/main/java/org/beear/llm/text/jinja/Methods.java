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
          charge(in, m.size(), 3);
          List<Object> pairs = new ArrayList<>(m.size());
          m.forEach((key, value) -> pairs.add(new PyTuple(java.util.Arrays.asList(key, value))));
          return pairs;
        };
        case "keys" -> (in, a, k) -> {
          charge(in, m.size(), 1);
          return new ArrayList<Object>(m.keySet());
        };
        case "values" -> (in, a, k) -> {
          charge(in, m.size(), 1);
          return new ArrayList<Object>(m.values());
        };
        case "get" -> (in, a, k) -> {
          Object found = Access.lookup(m, arg(a, 0, name), in.budget);
          return found == Access.MISSING ? (a.size() > 1 ? a.get(1) : null) : found;
        };
        case "copy" -> (in, a, k) -> {
          charge(in, m.size(), 2);
          return new java.util.LinkedHashMap<Object, Object>(m);
        };
        default -> refuseMutation(target, name);
      };
    }
    if (target instanceof List<?> l) {
      return switch (name) {
        case "index" -> (in, a, k) -> {
          for (int i = 0; i < l.size(); i++) {
            if (Py.equal(l.get(i), arg(a, 0, name), in.budget)) {
              return (long) i;
            }
          }
          throw JinjaException.runtime(Repr.brief(a.get(0)) + " is not in list");
        };
        case "count" -> (in, a, k) -> {
          Object needle = arg(a, 0, name);
          long n = 0;
          for (Object x : l) {
            n += Py.equal(x, needle, in.budget) ? 1 : 0;
          }
          return n;
        };
        default -> refuseMutation(target, name);
      };
    }
    return null;
  }

  /** A new list of {@code n} entries, each {@code slots} list slots: charged before it is built. */
  private static void charge(Interpreter in, int n, int slots) {
    in.budget.scan(n);
    in.budget.steps(n);
    in.budget.items((long) n * slots);
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
      case "strip" -> (in, a, k) -> Py.strip(s, optionalString(a, 0, name), true, true, in.budget);
      case "lstrip" -> (in, a, k) -> Py.strip(s, optionalString(a, 0, name), true, false, in.budget);
      case "rstrip" -> (in, a, k) -> Py.strip(s, optionalString(a, 0, name), false, true, in.budget);
      case "upper" -> (in, a, k) -> Strings.upper(s, in.budget);
      case "lower" -> (in, a, k) -> Strings.lower(s, in.budget);
      case "capitalize" -> (in, a, k) -> Strings.capitalize(s, in.budget);
      case "title" -> (in, a, k) -> Strings.title(s, in.budget);
      case "startswith" -> (in, a, k) -> affix(s, arg(a, 0, name), true, in.budget);
      case "endswith" -> (in, a, k) -> affix(s, arg(a, 0, name), false, in.budget);
      case "split" -> (in, a, k) -> Strings.split(s, optionalString(a, 0, name), maxSplit(a, k), in.budget);
      case "replace" -> (in, a, k) -> Strings.replace(s, stringArg(a, 0, name), stringArg(a, 1, name),
          a.size() > 2 ? Py.asLong(a.get(2)) : -1, in.budget);
      case "find" -> (in, a, k) -> codePointIndex(s, Substrings.indexOf(s, stringArg(a, 0, name), 0, in.budget),
          in.budget);
      case "rfind" -> (in, a, k) -> codePointIndex(s, Substrings.lastIndexOf(s, stringArg(a, 0, name), in.budget),
          in.budget);
      case "count" -> (in, a, k) -> count(s, stringArg(a, 0, name), in.budget);
      case "join" -> (in, a, k) -> Sequences.join(Access.iterate(arg(a, 0, name), in.budget), s, true, in.budget);
      case "isdigit" -> (in, a, k) -> scanned(s, in) && !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
      case "isspace" -> (in, a, k) -> scanned(s, in) && !s.isEmpty() && Py.isBlank(s, 0);
      case "isalpha" -> (in, a, k) -> scanned(s, in) && !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
      case "islower" -> (in, a, k) -> scanned(s, in) && s.chars().anyMatch(Character::isLetter)
          && s.equals(Strings.lower(s, in.budget));
      case "isupper" -> (in, a, k) -> scanned(s, in) && s.chars().anyMatch(Character::isLetter)
          && s.equals(Strings.upper(s, in.budget));
      default -> null;
    };
  }

  /** Charges a scan of {@code s}; true, so that it can lead a condition. */
  private static boolean scanned(String s, Interpreter in) {
    in.budget.scan(s.length());
    return true;
  }

  private static long codePointIndex(String s, int utf16Index, Budget budget) {
    if (utf16Index < 0) {
      return -1;
    }
    budget.scan(utf16Index);
    return s.codePointCount(0, utf16Index);
  }

  private static long count(String s, String sub, Budget budget) {
    if (sub.isEmpty()) {
      return Py.length(s, budget) + 1L;
    }
    return Substrings.count(s, sub, budget);
  }

  private static boolean affix(String s, Object affix, boolean prefix, Budget budget) {
    budget.step();
    if (affix instanceof PyTuple t) {
      for (Object x : t) {
        if (affix(s, x, prefix, budget)) {
          return true;
        }
      }
      return false;
    }
    if (!(affix instanceof String a)) {
      throw JinjaException.runtime((prefix ? "startswith" : "endswith")
          + " first arg must be str or a tuple of str, not " + Py.typeName(affix));
    }
    budget.scan(a.length());
    return prefix ? s.startsWith(a) : s.endsWith(a);
  }

  private static long maxSplit(List<Object> args, Map<String, Object> kwargs) {
    Object v = args.size() > 1 ? args.get(1) : kwargs.getOrDefault("maxsplit", -1L);
    return Py.asLong(v);
  }
}
