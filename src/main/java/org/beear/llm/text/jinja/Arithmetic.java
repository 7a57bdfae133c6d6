package org.beear.llm.text.jinja;

import java.util.ArrayList;
import java.util.List;

/** Python's operators on template values; every result that grows a string or list is checked against the budget. */
final class Arithmetic {
  private Arithmetic() {}

  static Object unary(String op, Object v) {
    if (!Py.isNumber(v)) {
      throw JinjaException.runtime("bad operand type for unary " + op + ": '" + Py.typeName(v) + "'");
    }
    if (op.equals("+")) {
      return v instanceof Boolean ? Py.asLong(v) : v;
    }
    return v instanceof Double d ? (Object) (-d) : (Object) Math.negateExact(Py.asLong(v));
  }

  static Object binary(String op, Object a, Object b, Budget budget) {
    if (a instanceof Undefined u && !op.equals("~")) {
      throw u.error();
    }
    if (b instanceof Undefined u && !op.equals("~")) {
      throw u.error();
    }
    try {
      return switch (op) {
        case "~" -> {
          String l = Repr.str(a, budget);
          String r = Repr.str(b, budget);
          budget.string((long) l.length() + r.length());
          budget.scan((long) l.length() + r.length());
          yield l + r;
        }
        case "+" -> add(a, b, budget);
        case "*" -> multiply(a, b, budget);
        default -> numeric(op, a, b);
      };
    } catch (ArithmeticException e) {
      throw JinjaException.runtime("arithmetic overflow or division by zero in '" + op + "'");
    }
  }

  private static Object add(Object a, Object b, Budget budget) {
    if (a instanceof String sa && b instanceof String sb) {
      budget.string((long) sa.length() + sb.length());
      budget.scan((long) sa.length() + sb.length());
      return sa + sb;
    }
    if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof PyTuple) == (b instanceof PyTuple)) {
      budget.items((long) la.size() + lb.size());
      budget.scan((long) la.size() + lb.size());
      List<Object> out = new ArrayList<>(la);
      out.addAll(lb);
      return a instanceof PyTuple ? new PyTuple(out) : out;
    }
    if (Py.isNumber(a) && Py.isNumber(b)) {
      return a instanceof Double || b instanceof Double
          ? (Object) (Py.asDouble(a) + Py.asDouble(b))
          : (Object) Math.addExact(Py.asLong(a), Py.asLong(b));
    }
    if (a instanceof String) {
      throw JinjaException.runtime("can only concatenate str (not \"" + Py.typeName(b) + "\") to str");
    }
    throw unsupported("+", a, b);
  }

  private static Object multiply(Object a, Object b, Budget budget) {
    if ((a instanceof String || a instanceof List) && (b instanceof Long || b instanceof Boolean)) {
      long times = Math.max(0, Py.asLong(b));
      if (a instanceof String s) {
        long length = Budget.saturatedMultiply(s.length(), times);
        budget.string(length);
        budget.scan(length);
        return length == 0 ? "" : s.repeat((int) times);
      }
      List<?> l = (List<?>) a;
      long size = Budget.saturatedMultiply(l.size(), times);
      budget.items(size);
      budget.scan(size);
      List<Object> out = new ArrayList<>((int) Math.min(size, Integer.MAX_VALUE - 8));
      for (long i = 0; i < times && !l.isEmpty(); i++) {
        out.addAll(l);
      }
      return a instanceof PyTuple ? new PyTuple(out) : out;
    }
    if ((b instanceof String || b instanceof List) && (a instanceof Long || a instanceof Boolean)) {
      return multiply(b, a, budget);
    }
    if (a instanceof String || a instanceof List || b instanceof String || b instanceof List) {
      throw JinjaException.runtime("can't multiply sequence by non-int of type '"
          + Py.typeName(a instanceof String || a instanceof List ? b : a) + "'");
    }
    return numeric("*", a, b);
  }

  private static Object numeric(String op, Object a, Object b) {
    if (!Py.isNumber(a) || !Py.isNumber(b)) {
      throw unsupported(op, a, b);
    }
    boolean floats = a instanceof Double || b instanceof Double;
    if (op.equals("/")) {
      double d = Py.asDouble(b);
      if (d == 0) {
        throw JinjaException.runtime("division by zero");
      }
      return Py.asDouble(a) / d;
    }
    if (floats) {
      double x = Py.asDouble(a);
      double y = Py.asDouble(b);
      return switch (op) {
        case "-" -> x - y;
        case "*" -> x * y;
        case "//" -> {
          zeroCheck(y);
          yield Math.floor(x / y);
        }
        case "%" -> {
          zeroCheck(y);
          double m = x % y;
          yield m != 0 && (m < 0) != (y < 0) ? m + y : m;
        }
        case "**" -> Math.pow(x, y);
        default -> throw unsupported(op, a, b);
      };
    }
    long x = Py.asLong(a);
    long y = Py.asLong(b);
    return switch (op) {
      case "-" -> Math.subtractExact(x, y);
      case "*" -> Math.multiplyExact(x, y);
      case "//" -> {
        zeroCheck(y);
        yield Math.floorDiv(x, y);
      }
      case "%" -> {
        zeroCheck(y);
        yield Math.floorMod(x, y);
      }
      case "**" -> y < 0 ? (Object) Math.pow(x, y) : (Object) power(x, y);
      default -> throw unsupported(op, a, b);
    };
  }

  private static long power(long base, long exponent) {
    if (base == 0 || base == 1) {
      return exponent == 0 ? 1 : base;
    }
    if (base == -1) {
      return exponent % 2 == 0 ? 1 : -1;
    }
    long result = 1;
    for (long i = 0; i < exponent; i++) {
      result = Math.multiplyExact(result, base); // |base| >= 2 overflows within 64 turns
    }
    return result;
  }

  private static void zeroCheck(double y) {
    if (y == 0) {
      throw JinjaException.runtime("division by zero");
    }
  }

  private static JinjaException unsupported(String op, Object a, Object b) {
    return JinjaException.runtime(
        "unsupported operand type(s) for " + op + ": '" + Py.typeName(a) + "' and '" + Py.typeName(b) + "'");
  }
}
