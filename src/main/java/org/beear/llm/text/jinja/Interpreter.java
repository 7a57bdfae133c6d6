package org.beear.llm.text.jinja;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.beear.llm.text.jinja.Ast.Expr;
import org.beear.llm.text.jinja.Ast.Node;

/**
 * Renders a parsed template over a context of plain values. Values are only ever data here: nothing
 * a message contains is parsed, and the only operations on values are the Python ones in
 * {@link Py}, {@link Access} and {@link Builtins}, so no template reaches Java classes, files or the
 * network. Every statement, expression and loop turn is charged to the render's {@link Budget}, and so is every
 * element the operations it calls touch.
 */
final class Interpreter {

  /** Variables of the template (outermost) or of one for loop, which Jinja2 keeps local to the loop. */
  private static final class Scope {
    final Map<String, Object> vars = new HashMap<>();
    final Scope parent;

    Scope(Scope parent) {
      this.parent = parent;
    }
  }

  private static final class LoopSignal extends RuntimeException {
    final boolean isBreak;

    LoopSignal(boolean isBreak) {
      super(null, null, false, false);
      this.isBreak = isBreak;
    }
  }

  final Budget budget;
  private final StringBuilder out = new StringBuilder();
  private final Map<String, Object> globals;
  private Scope scope = new Scope(null);

  Interpreter(Map<String, Object> context, Map<String, Object> globals, Budget budget) {
    this.globals = globals;
    this.budget = budget;
    scope.vars.putAll(context);
  }

  String render(List<Node> template) {
    try {
      renderAll(template);
    } catch (LoopSignal s) {
      throw JinjaException.runtime("'" + (s.isBreak ? "break" : "continue") + "' outside a loop");
    }
    return out.toString();
  }

  private void renderAll(List<Node> nodes) {
    for (Node node : nodes) {
      renderNode(node);
    }
  }

  private void write(String s) {
    budget.output((long) out.length() + s.length());
    out.append(s);
  }

  private void renderNode(Node node) {
    budget.step();
    if (node instanceof Ast.Text t) {
      write(t.text());
    } else if (node instanceof Ast.Output o) {
      write(Repr.str(eval(o.value()), budget));
    } else if (node instanceof Ast.If i) {
      for (int k = 0; k < i.tests().size(); k++) {
        if (Py.truthy(eval(i.tests().get(k)))) {
          renderAll(i.bodies().get(k));
          return;
        }
      }
      renderAll(i.otherwise());
    } else if (node instanceof Ast.For f) {
      renderFor(f);
    } else if (node instanceof Ast.Set s) {
      assign(s);
    } else if (node instanceof Ast.SetBlock s) {
      int mark = out.length();
      renderAll(s.body());
      budget.string(out.length() - mark);
      String captured = out.substring(mark);
      out.setLength(mark);
      scope.vars.put(s.name(), captured);
    } else if (node instanceof Ast.Break) {
      throw new LoopSignal(true);
    } else if (node instanceof Ast.Continue) {
      throw new LoopSignal(false);
    }
  }

  private void assign(Ast.Set s) {
    Object value = eval(s.value());
    if (s.attribute() != null) {
      if (!(lookup(s.names().get(0)) instanceof Namespace ns)) {
        throw JinjaException.runtime("cannot assign attribute on non-namespace object");
      }
      ns.attributes().put(s.attribute(), value);
      return;
    }
    if (s.names().size() == 1) {
      scope.vars.put(s.names().get(0), value);
      return;
    }
    List<Object> parts = unpack(value, s.names().size());
    for (int k = 0; k < parts.size(); k++) {
      scope.vars.put(s.names().get(k), parts.get(k));
    }
  }

  private List<Object> unpack(Object value, int count) {
    List<Object> parts = Access.iterate(value, budget);
    if (parts.size() != count) {
      throw JinjaException.runtime(
          (parts.size() < count ? "not enough" : "too many") + " values to unpack (expected " + count + ")");
    }
    return parts;
  }

  private void renderFor(Ast.For f) {
    List<Object> items = Access.iterate(eval(f.iterable()), budget);
    Scope outer = scope;
    scope = new Scope(outer);
    try {
      if (f.condition() != null) {
        List<Object> kept = new ArrayList<>();
        for (Object item : items) {
          budget.step();
          bindTargets(f.targets(), item);
          if (Py.truthy(eval(f.condition()))) {
            budget.items(1);
            kept.add(item);
          }
        }
        items = kept;
      }
      LoopInfo loop = new LoopInfo(items);
      for (int k = 0; k < items.size(); k++) {
        budget.step();
        loop.index0 = k;
        bindTargets(f.targets(), items.get(k));
        scope.vars.put("loop", loop);
        try {
          renderAll(f.body());
        } catch (LoopSignal s) {
          if (s.isBreak) {
            break;
          }
        }
      }
    } finally {
      scope = outer;
    }
    if (items.isEmpty()) {
      renderAll(f.otherwise());
    }
  }

  private void bindTargets(List<String> targets, Object item) {
    if (targets.size() == 1) {
      scope.vars.put(targets.get(0), item);
      return;
    }
    List<Object> parts = unpack(item, targets.size());
    for (int k = 0; k < parts.size(); k++) {
      scope.vars.put(targets.get(k), parts.get(k));
    }
  }

  private Object lookup(String name) {
    for (Scope s = scope; s != null; s = s.parent) {
      if (s.vars.containsKey(name)) {
        return s.vars.get(name);
      }
    }
    if (globals.containsKey(name)) {
      return globals.get(name);
    }
    return Undefined.named(name);
  }

  Object eval(Expr e) {
    budget.step();
    if (e instanceof Ast.Literal l) {
      return l.value();
    }
    if (e instanceof Ast.Name n) {
      return lookup(n.name());
    }
    if (e instanceof Ast.ListLit l) {
      List<Object> items = new ArrayList<>();
      for (Expr item : l.items()) {
        items.add(eval(item));
      }
      budget.items(items.size());
      return l.tuple() ? new PyTuple(items) : items;
    }
    if (e instanceof Ast.DictLit d) {
      Map<Object, Object> map = new LinkedHashMap<>();
      for (int k = 0; k < d.keys().size(); k++) {
        budget.items(2);
        map.put(Access.hashable(eval(d.keys().get(k)), budget), eval(d.values().get(k)));
      }
      return map;
    }
    if (e instanceof Ast.GetAttr g) {
      return Access.getAttr(eval(g.target()), g.name(), budget);
    }
    if (e instanceof Ast.GetItem g) {
      return Access.getItem(eval(g.target()), eval(g.key()), budget);
    }
    if (e instanceof Ast.Slice s) {
      return Access.slice(eval(s.target()), evalOrNull(s.start()), evalOrNull(s.stop()), evalOrNull(s.step()),
          budget);
    }
    if (e instanceof Ast.Call c) {
      return call(eval(c.callee()), c.args(), c.kwargs());
    }
    if (e instanceof Ast.Filter f) {
      return Builtins.filter(this, f.name(), eval(f.value()), evalAll(f.args()), evalAll(f.kwargs()));
    }
    if (e instanceof Ast.Test t) {
      return t.negated() != Builtins.test(this, t.name(), eval(t.value()), evalAll(t.args()));
    }
    if (e instanceof Ast.Unary u) {
      return unary(u);
    }
    if (e instanceof Ast.Binary b) {
      return binary(b);
    }
    if (e instanceof Ast.Compare c) {
      return compare(c);
    }
    Ast.Conditional c = (Ast.Conditional) e;
    if (Py.truthy(eval(c.test()))) {
      return eval(c.then());
    }
    return c.otherwise() == null ? Undefined.INSTANCE : eval(c.otherwise());
  }

  private Object evalOrNull(Expr e) {
    return e == null ? null : eval(e);
  }

  private List<Object> evalAll(List<Expr> exprs) {
    List<Object> values = new ArrayList<>();
    for (Expr e : exprs) {
      values.add(eval(e));
    }
    return values;
  }

  private Map<String, Object> evalAll(Map<String, Expr> exprs) {
    Map<String, Object> values = new LinkedHashMap<>();
    exprs.forEach((k, v) -> values.put(k, eval(v)));
    return values;
  }

  private Object call(Object callee, List<Expr> args, Map<String, Expr> kwargs) {
    if (callee instanceof Undefined u) {
      throw u.error();
    }
    if (!(callee instanceof PyCallable fn)) {
      throw JinjaException.runtime("'" + Py.typeName(callee) + "' object is not callable");
    }
    return fn.call(this, evalAll(args), evalAll(kwargs));
  }

  private Object unary(Ast.Unary u) {
    Object v = eval(u.operand());
    if (u.op().equals("not")) {
      return !Py.truthy(v);
    }
    return Arithmetic.unary(u.op(), v);
  }

  private Object binary(Ast.Binary b) {
    Object left = eval(b.left());
    switch (b.op()) {
      case "and":
        return Py.truthy(left) ? eval(b.right()) : left;
      case "or":
        return Py.truthy(left) ? left : eval(b.right());
      default:
        return Arithmetic.binary(b.op(), left, eval(b.right()), budget);
    }
  }

  private Object compare(Ast.Compare c) {
    Object left = eval(c.first());
    for (int k = 0; k < c.ops().size(); k++) {
      Object right = eval(c.rest().get(k));
      String op = c.ops().get(k);
      boolean holds = switch (op) {
        case "==" -> Py.equal(left, right, budget);
        case "!=" -> !Py.equal(left, right, budget);
        case "<" -> Py.compare(left, right, op, budget) < 0;
        case "<=" -> Py.compare(left, right, op, budget) <= 0;
        case ">" -> Py.compare(left, right, op, budget) > 0;
        case ">=" -> Py.compare(left, right, op, budget) >= 0;
        case "in" -> Access.contains(right, left, budget);
        case "not in" -> !Access.contains(right, left, budget);
        default -> throw new IllegalStateException(op);
      };
      if (!holds) {
        return false;
      }
      left = right;
    }
    return true;
  }
}
