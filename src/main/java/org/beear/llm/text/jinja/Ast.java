package org.beear.llm.text.jinja;

import java.util.List;
import java.util.Map;

/** The parsed template: statements ({@link Node}) and expressions ({@link Expr}). */
final class Ast {
  private Ast() {}

  sealed interface Expr {}

  record Literal(Object value) implements Expr {}

  record Name(String name) implements Expr {}

  record ListLit(List<Expr> items, boolean tuple) implements Expr {}

  record DictLit(List<Expr> keys, List<Expr> values) implements Expr {}

  record GetAttr(Expr target, String name) implements Expr {}

  record GetItem(Expr target, Expr key) implements Expr {}

  /** target[start:stop:step], each part null when left out. */
  record Slice(Expr target, Expr start, Expr stop, Expr step) implements Expr {}

  record Call(Expr callee, List<Expr> args, Map<String, Expr> kwargs) implements Expr {}

  record Filter(Expr value, String name, List<Expr> args, Map<String, Expr> kwargs) implements Expr {}

  record Test(Expr value, String name, boolean negated, List<Expr> args) implements Expr {}

  record Unary(String op, Expr operand) implements Expr {}

  record Binary(String op, Expr left, Expr right) implements Expr {}

  record Compare(Expr first, List<String> ops, List<Expr> rest) implements Expr {}

  /** then if test else otherwise; otherwise null means Undefined, as in Jinja2. */
  record Conditional(Expr test, Expr then, Expr otherwise) implements Expr {}

  sealed interface Node {}

  record Text(String text) implements Node {}

  record Output(Expr value) implements Node {}

  record If(List<Expr> tests, List<List<Node>> bodies, List<Node> otherwise) implements Node {}

  record For(List<String> targets, Expr iterable, Expr condition, List<Node> body, List<Node> otherwise)
      implements Node {}

  /** {@code set name = value} or {@code set name.attribute = value} (namespace). */
  record Set(List<String> names, String attribute, Expr value) implements Node {}

  /** {@code set name %}...{% endset}. */
  record SetBlock(String name, List<Node> body) implements Node {}

  record Break() implements Node {}

  record Continue() implements Node {}
}
