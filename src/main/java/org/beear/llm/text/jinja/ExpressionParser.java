package org.beear.llm.text.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.beear.llm.text.jinja.Ast.Expr;
import org.beear.llm.text.jinja.Lexer.Token;
import org.beear.llm.text.jinja.Lexer.Type;

/** Jinja2's expression grammar with Python's precedence, lowest first (Jinja2's parser.py). */
class ExpressionParser extends TokenCursor {

  private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");

  ExpressionParser(List<Token> tokens, int maxNesting) {
    super(tokens, maxNesting);
  }

  Expr expression() {
    enter();
    Expr e = orExpr(true);
    int links = 0;
    while (atName("if")) {
      next();
      links += link();
      Expr test = orExpr(true);
      Expr otherwise = null;
      if (atName("else")) {
        next();
        otherwise = expression();
      }
      e = new Ast.Conditional(test, e, otherwise);
    }
    depth -= links + 1;
    return e;
  }

  /** A tuple without parentheses where Jinja2 allows one (subscripts, for targets), else one expression. */
  private Expr tupleOrExpression() {
    Expr first = expression();
    if (!atOp(",")) {
      return first;
    }
    List<Expr> items = new ArrayList<>(List.of(first));
    while (atOp(",")) {
      next();
      if (atOp(")") || atOp("]") || peek().type() == Type.BLOCK_END) {
        break;
      }
      items.add(expression());
    }
    return new Ast.ListLit(items, true);
  }

  Expr orExpr(boolean withCondition) {
    return chain(this::andExpr, "or");
  }

  private Expr andExpr() {
    return chain(this::notExpr, "and");
  }

  private Expr notExpr() {
    if (atName("not")) {
      next();
      enter();
      Expr operand = notExpr();
      depth--;
      return new Ast.Unary("not", operand);
    }
    return compare();
  }

  private Expr compare() {
    Expr first = math1();
    List<String> ops = new ArrayList<>();
    List<Expr> rest = new ArrayList<>();
    while (true) {
      Token t = peek();
      if (t.type() == Type.OP && COMPARE_OPS.contains(t.value())) {
        next();
        ops.add(t.value());
      } else if (atName("in")) {
        next();
        ops.add("in");
      } else if (atName("not") && tokens.get(pos + 1).is(Type.NAME, "in")) {
        pos += 2;
        ops.add("not in");
      } else {
        break;
      }
      rest.add(math1());
    }
    return ops.isEmpty() ? first : new Ast.Compare(first, ops, rest);
  }

  private Expr math1() {
    return chain(this::concat, "+", "-");
  }

  private Expr concat() {
    return chain(this::math2, "~");
  }

  private Expr math2() {
    return chain(this::pow, "*", "/", "//", "%");
  }

  private Expr pow() {
    return chain(() -> unary(true), "**");
  }

  /**
   * Left-associative binary operators of one precedence level ({@code a + b - c}): each link wraps the tree once
   * more, and evaluating it recurses once per wrap, so a link nests like a bracket.
   */
  private Expr chain(java.util.function.Supplier<Expr> operand, String... ops) {
    Expr e = operand.get();
    int links = 0;
    while (atAny(ops)) {
      String op = next().value();
      links += link();
      e = new Ast.Binary(op, e, operand.get());
    }
    depth -= links;
    return e;
  }

  /** An operator or keyword operator ({@code or}, {@code and}) among {@code ops}. */
  private boolean atAny(String... ops) {
    for (String op : ops) {
      if (atOp(op) || atName(op)) {
        return true;
      }
    }
    return false;
  }

  private Expr unary(boolean withFilter) {
    Expr e;
    if (atOp("-") || atOp("+")) {
      String op = next().value();
      enter();
      e = new Ast.Unary(op, unary(false));
      depth--;
    } else {
      e = primary();
    }
    e = postfix(e);
    return withFilter ? filters(e) : e;
  }

  private Expr primary() {
    Token t = next();
    switch (t.type()) {
      case NAME -> {
        return switch (t.value()) {
          case "true", "True" -> new Ast.Literal(true);
          case "false", "False" -> new Ast.Literal(false);
          case "none", "None" -> new Ast.Literal(null);
          default -> new Ast.Name(t.value());
        };
      }
      case STRING -> {
        StringBuilder s = new StringBuilder(t.value());
        while (peek().type() == Type.STRING) {
          s.append(next().value());
        }
        return new Ast.Literal(s.toString());
      }
      case INTEGER -> {
        try {
          return new Ast.Literal(Long.parseLong(t.value()));
        } catch (NumberFormatException e) {
          throw JinjaException.syntax("integer literal too large", t.line());
        }
      }
      case FLOAT -> {
        return new Ast.Literal(Double.parseDouble(t.value()));
      }
      case OP -> {
        return switch (t.value()) {
          case "(" -> parenthesized();
          case "[" -> listLiteral();
          case "{" -> dictLiteral();
          default -> throw JinjaException.syntax("unexpected '" + t.value() + "'", t.line());
        };
      }
      default -> throw JinjaException.syntax("unexpected end of expression", t.line());
    }
  }

  private Expr parenthesized() {
    enter();
    if (atOp(")")) {
      next();
      depth--;
      return new Ast.ListLit(List.of(), true);
    }
    Expr e = tupleOrExpression();
    expectOp(")");
    depth--;
    return e;
  }

  private Expr listLiteral() {
    enter();
    List<Expr> items = new ArrayList<>();
    while (!atOp("]")) {
      items.add(expression());
      if (!atOp(",")) {
        break;
      }
      next();
    }
    expectOp("]");
    depth--;
    return new Ast.ListLit(items, false);
  }

  private Expr dictLiteral() {
    enter();
    List<Expr> keys = new ArrayList<>();
    List<Expr> values = new ArrayList<>();
    while (!atOp("}")) {
      keys.add(expression());
      expectOp(":");
      values.add(expression());
      if (!atOp(",")) {
        break;
      }
      next();
    }
    expectOp("}");
    depth--;
    return new Ast.DictLit(keys, values);
  }

  private Expr postfix(Expr e) {
    int links = 0;
    while (true) {
      if (atOp(".") || atOp("[") || atOp("(")) {
        links += link();
      }
      if (atOp(".")) {
        next();
        Token t = next();
        if (t.type() == Type.NAME) {
          e = new Ast.GetAttr(e, t.value());
        } else if (t.type() == Type.INTEGER) {
          e = new Ast.GetItem(e, new Ast.Literal(Long.parseLong(t.value())));
        } else {
          throw JinjaException.syntax("expected an attribute name after '.'", t.line());
        }
      } else if (atOp("[")) {
        next();
        e = subscript(e);
      } else if (atOp("(")) {
        next();
        e = call(e);
      } else {
        depth -= links;
        return e;
      }
    }
  }

  private Expr subscript(Expr target) {
    enter();
    Expr start = null;
    if (!atOp(":")) {
      start = expression();
      if (atOp("]")) {
        next();
        depth--;
        return new Ast.GetItem(target, start);
      }
    }
    expectOp(":");
    Expr stop = atOp("]") || atOp(":") ? null : expression();
    Expr step = null;
    if (atOp(":")) {
      next();
      step = atOp("]") ? null : expression();
    }
    expectOp("]");
    depth--;
    return new Ast.Slice(target, start, stop, step);
  }

  private record Arguments(List<Expr> args, Map<String, Expr> kwargs) {}

  private Arguments arguments() {
    enter();
    List<Expr> args = new ArrayList<>();
    Map<String, Expr> kwargs = new LinkedHashMap<>();
    while (!atOp(")")) {
      if (peek().type() == Type.NAME && tokens.get(pos + 1).is(Type.OP, "=")) {
        String key = next().value();
        next();
        kwargs.put(key, expression());
      } else {
        if (!kwargs.isEmpty()) {
          throw error("positional argument after keyword argument");
        }
        args.add(expression());
      }
      if (!atOp(",")) {
        break;
      }
      next();
    }
    expectOp(")");
    depth--;
    return new Arguments(args, kwargs);
  }

  private Expr call(Expr callee) {
    Arguments a = arguments();
    return new Ast.Call(callee, a.args(), a.kwargs());
  }

  private Expr filters(Expr e) {
    int links = 0;
    while (true) {
      if (atOp("|") || atName("is") || atOp("(")) {
        links += link();
      }
      if (atOp("|")) {
        next();
        String name = dottedName();
        if (!Builtins.hasFilter(name)) {
          throw error("no filter named '" + name + "'");
        }
        Arguments a = atOp("(") ? argumentsAfterParen() : new Arguments(List.of(), Map.of());
        e = new Ast.Filter(e, name, a.args(), a.kwargs());
      } else if (atName("is")) {
        next();
        boolean negated = false;
        if (atName("not")) {
          next();
          negated = true;
        }
        String name = dottedName();
        if (!Builtins.hasTest(name)) {
          throw error("no test named '" + name + "'");
        }
        List<Expr> args = new ArrayList<>();
        if (atOp("(")) {
          args.addAll(argumentsAfterParen().args());
        } else if (startsTestArgument()) {
          args.add(unary(false));
        }
        e = new Ast.Test(e, name, negated, args);
      } else if (atOp("(")) {
        next();
        e = call(e);
      } else {
        depth -= links;
        return e;
      }
    }
  }

  /** One more link of a chain ({@code a + b + c}, {@code x.y[0]|f}, see {@link #chain}). */
  private int link() {
    enter();
    return 1;
  }

  private Arguments argumentsAfterParen() {
    next();
    return arguments();
  }

  private String dottedName() {
    StringBuilder name = new StringBuilder(expectName());
    while (atOp(".") && tokens.get(pos + 1).type() == Type.NAME) {
      next();
      name.append('.').append(next().value());
    }
    return name.toString();
  }

  /** Jinja2 takes one argument without parentheses after a test name: {@code x is divisibleby 3}. */
  private boolean startsTestArgument() {
    Token t = peek();
    return switch (t.type()) {
      case STRING, INTEGER, FLOAT -> true;
      case NAME -> !Set.of("else", "or", "and", "if", "is", "in", "not").contains(t.value());
      case OP -> t.value().equals("[") || t.value().equals("{");
      default -> false;
    };
  }
}
