package org.beear.llm.text.jinja;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Python's {@code repr()} and {@code str()} of template values. Each piece is checked against the render's budget
 * before it is added (so no string past the limits is ever built), every element visited is a step, nesting is
 * bounded by {@link TemplateLimits#maxValueDepth()}, and a container met again inside itself prints as Python
 * prints it ({@code [...]}, {@code {...}}): a namespace that holds itself is {@code <Namespace {'me':
 * <Namespace {...}>}>}.
 */
final class Repr {
  /** The longest description of a value in an error message. */
  private static final int BRIEF = 60;

  private final Budget budget;
  private final TextBuilder out;
  private final Set<Object> open = Collections.newSetFromMap(new IdentityHashMap<>());

  private Repr(Budget budget, TextBuilder out) {
    this.budget = budget;
    this.out = out;
  }

  /** What {{ value }} prints: str(value), with Undefined as "". */
  static String str(Object v, Budget budget) {
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Undefined) {
      return "";
    }
    return repr(v, budget);
  }

  static String repr(Object v, Budget budget) {
    Repr r = new Repr(budget, new TextBuilder(budget));
    r.write(v, 0);
    return r.out.build();
  }

  /** repr(v) cut to a few dozen characters, for error messages; costs as little as it prints. */
  static String brief(Object v) {
    Repr r = new Repr(null, TextBuilder.capped(BRIEF));
    try {
      r.write(v, 0);
      return r.out.build();
    } catch (TextBuilder.Full full) {
      return r.out.build() + "...";
    }
  }

  private void write(Object v, int depth) {
    if (budget != null) {
      budget.step();
    }
    if (v == null) {
      out.append("None");
    } else if (v instanceof String s) {
      string(s);
    } else if (v instanceof Boolean b) {
      out.append(b ? "True" : "False");
    } else if (v instanceof Double d) {
      out.append(Py.reprFloat(d));
    } else if (v instanceof Long l) {
      out.append(l.toString());
    } else if (v instanceof Undefined) {
      out.append("");
    } else if (v instanceof List<?> || v instanceof Map<?, ?> || v instanceof Namespace) {
      container(v, depth + 1);
    } else if (v instanceof LoopInfo loop) {
      out.append("<LoopContext ").append(loop.attribute("index").toString()).append("/")
          .append(loop.attribute("length").toString()).append(">");
    } else if (v instanceof PyCallable) {
      out.append("<function>");
    } else {
      out.append("<").append(Py.typeName(v)).append(">");
    }
  }

  private void container(Object v, int depth) {
    if (budget != null) {
      budget.depth(depth);
    }
    if (v instanceof Namespace ns) { // as Jinja2's: its attributes' dict is what a cycle is seen in
      out.append("<Namespace ");
      container(ns.attributes(), depth + 1);
      out.append(">");
      return;
    }
    boolean tuple = v instanceof PyTuple;
    if (!open.add(v)) {
      out.append(tuple ? "(...)" : v instanceof List ? "[...]" : "{...}");
      return;
    }
    try {
      if (v instanceof Map<?, ?> m) {
        out.append("{");
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          out.append(first ? "" : ", ");
          first = false;
          write(e.getKey(), depth);
          out.append(": ");
          write(e.getValue(), depth);
        }
        out.append("}");
      } else {
        List<?> l = (List<?>) v;
        out.append(tuple ? "(" : "[");
        for (Iterator<?> it = l.iterator(); it.hasNext(); ) {
          write(it.next(), depth);
          if (it.hasNext()) {
            out.append(", ");
          }
        }
        out.append(tuple ? (l.size() == 1 ? ",)" : ")") : "]");
      }
    } finally {
      open.remove(v);
    }
  }

  /** A str literal as Python writes it: single quotes unless only double quotes are free, escapes inside. */
  private void string(String s) {
    if (budget != null) {
      budget.scan(s.length());
    }
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    out.append(quote);
    int run = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String escaped = c == quote || c == '\\' ? "\\" + c
          : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
          : c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : null;
      if (escaped != null) {
        out.append(s, run, i).append(escaped);
        run = i + 1;
      }
    }
    out.append(s, run, s.length()).append(quote);
  }
}
