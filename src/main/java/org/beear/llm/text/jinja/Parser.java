package org.beear.llm.text.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.beear.llm.text.jinja.Ast.Expr;
import org.beear.llm.text.jinja.Ast.Node;
import org.beear.llm.text.jinja.Lexer.Token;
import org.beear.llm.text.jinja.Lexer.Type;

/**
 * Jinja2's grammar, as far as chat templates use it: output, if/elif/else, for (with a filter condition,
 * else, break and continue), set (plain, namespace attribute and block), comments, and the expression
 * language with Python's precedence. Statements that reach outside the template (include, import,
 * extends) or define code (macro, call) are refused, as are unknown filters and tests.
 */
final class Parser {

  private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");
  /** transformers' AssistantTracker tag: renders its body unchanged. */
  private static final String GENERATION = "generation";

  private final List<Token> tokens;
  private final int maxNesting;
  private int pos;
  private int depth;

  private Parser(List<Token> tokens, int maxNesting) {
    this.tokens = tokens;
    this.maxNesting = maxNesting;
  }

  static List<Node> parse(String source, int maxNesting) {
    Parser parser = new Parser(Lexer.tokenize(source), maxNesting);
    List<Node> body = parser.parseBody(Set.of());
    if (parser.peek().type() != Type.EOF) {
      throw parser.error("unexpected '" + parser.peekBlockName() + "'");
    }
    return body;
  }

  private Token peek() {
    return tokens.get(pos);
  }

  private Token next() {
    return tokens.get(pos++);
  }

  private JinjaException error(String message) {
    return JinjaException.syntax(message, peek().line());
  }

  private void enter() {
    if (++depth > maxNesting) {
      throw new JinjaException(JinjaException.Kind.LIMIT, "template nests deeper than " + maxNesting + " levels");
    }
  }

  private boolean atOp(String op) {
    return peek().is(Type.OP, op);
  }

  private boolean atName(String name) {
    return peek().is(Type.NAME, name);
  }

  private void expectOp(String op) {
    if (!atOp(op)) {
      throw error("expected '" + op + "', got '" + peek().value() + "'");
    }
    pos++;
  }

  private void expect(Type type) {
    if (peek().type() != type) {
      throw error("expected " + type + ", got '" + peek().value() + "'");
    }
    pos++;
  }

  private String expectName() {
    if (peek().type() != Type.NAME) {
      throw error("expected a name, got '" + peek().value() + "'");
    }
    return next().value();
  }

  private String peekBlockName() {
    Token t = peek();
    if (t.type() == Type.BLOCK_BEGIN && tokens.get(pos + 1).type() == Type.NAME) {
      return tokens.get(pos + 1).value();
    }
    return t.value();
  }

  /** Parses nodes until EOF or a {% tag %} whose name is in {@code endTags} (left unconsumed). */
  private List<Node> parseBody(Set<String> endTags) {
    enter();
    List<Node> nodes = new ArrayList<>();
    while (true) {
      Token t = peek();
      switch (t.type()) {
        case EOF -> {
          if (!endTags.isEmpty()) {
            throw error("template ended inside a block; expected one of " + endTags);
          }
          depth--;
          return nodes;
        }
        case DATA -> nodes.add(new Ast.Text(next().value()));
        case VAR_BEGIN -> {
          next();
          nodes.add(new Ast.Output(expression()));
          expect(Type.VAR_END);
        }
        case BLOCK_BEGIN -> {
          String name = peekBlockName();
          if (endTags.contains(name)) {
            depth--;
            return nodes;
          }
          next();
          next();
          nodes.add(statement(name));
        }
        default -> throw error("unexpected '" + t.value() + "'");
      }
    }
  }

  private Node statement(String name) {
    switch (name) {
      case "if":
        return ifStatement();
      case "for":
        return forStatement();
      case "set":
        return setStatement();
      case "break":
        expect(Type.BLOCK_END);
        return new Ast.Break();
      case "continue":
        expect(Type.BLOCK_END);
        return new Ast.Continue();
      case GENERATION: {
        expect(Type.BLOCK_END);
        List<Node> body = parseBody(Set.of("end" + GENERATION));
        endTag("end" + GENERATION);
        return new Ast.If(List.of(new Ast.Literal(true)), List.of(body), List.of());
      }
      default:
        throw error("unsupported tag '" + name + "' (chat templates may use if, for, set, break, continue)");
    }
  }

  private void endTag(String name) {
    expect(Type.BLOCK_BEGIN);
    if (!expectName().equals(name)) {
      throw error("expected " + name);
    }
    expect(Type.BLOCK_END);
  }

  private Node ifStatement() {
    List<Expr> tests = new ArrayList<>();
    List<List<Node>> bodies = new ArrayList<>();
    tests.add(expression());
    expect(Type.BLOCK_END);
    Set<String> ends = Set.of("elif", "else", "endif");
    bodies.add(parseBody(ends));
    List<Node> otherwise = List.of();
    while (true) {
      expect(Type.BLOCK_BEGIN);
      String tag = expectName();
      if (tag.equals("elif")) {
        tests.add(expression());
        expect(Type.BLOCK_END);
        bodies.add(parseBody(ends));
      } else if (tag.equals("else")) {
        expect(Type.BLOCK_END);
        otherwise = parseBody(Set.of("endif"));
        endTag("endif");
        break;
      } else {
        expect(Type.BLOCK_END);
        break;
      }
    }
    return new Ast.If(tests, bodies, otherwise);
  }

  private Node forStatement() {
    List<String> targets = new ArrayList<>();
    boolean paren = atOp("(");
    if (paren) {
      next();
    }
    targets.add(expectName());
    while (atOp(",")) {
      next();
      targets.add(expectName());
    }
    if (paren) {
      expectOp(")");
    }
    if (!atName("in")) {
      throw error("expected 'in' in for loop");
    }
    next();
    Expr iterable = orExpr(false);
    Expr condition = null;
    if (atName("if")) {
      next();
      condition = expression();
    }
    if (atName("recursive")) {
      throw error("recursive loops are not supported");
    }
    expect(Type.BLOCK_END);
    List<Node> body = parseBody(Set.of("else", "endfor"));
    List<Node> otherwise = List.of();
    expect(Type.BLOCK_BEGIN);
    if (expectName().equals("else")) {
      expect(Type.BLOCK_END);
      otherwise = parseBody(Set.of("endfor"));
      endTag("endfor");
    } else {
      expect(Type.BLOCK_END);
    }
    return new Ast.For(targets, iterable, condition, body, otherwise);
  }

  private Node setStatement() {
    List<String> names = new ArrayList<>();
    names.add(expectName());
    String attribute = null;
    if (atOp(".")) {
      next();
      attribute = expectName();
    }
    while (attribute == null && atOp(",")) {
      next();
      names.add(expectName());
    }
    if (peek().type() == Type.BLOCK_END && attribute == null && names.size() == 1) {
      next();
      List<Node> body = parseBody(Set.of("endset"));
      endTag("endset");
      return new Ast.SetBlock(names.get(0), body);
    }
    expectOp("=");
    Expr value = expression();
    expect(Type.BLOCK_END);
    return new Ast.Set(names, attribute, value);
  }

  // ---- expressions, lowest precedence first (Jinja2's parser.py) ----

  Expr expression() {
    enter();
    Expr e = orExpr(true);
    while (atName("if")) {
      next();
      Expr test = orExpr(true);
      Expr otherwise = null;
      if (atName("else")) {
        next();
        otherwise = expression();
      }
      e = new Ast.Conditional(test, e, otherwise);
    }
    depth--;
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

  private Expr orExpr(boolean withCondition) {
    Expr e = andExpr();
    while (atName("or")) {
      next();
      e = new Ast.Binary("or", e, andExpr());
    }
    return e;
  }

  private Expr andExpr() {
    Expr e = notExpr();
    while (atName("and")) {
      next();
      e = new Ast.Binary("and", e, notExpr());
    }
    return e;
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
    Expr e = concat();
    while (atOp("+") || atOp("-")) {
      String op = next().value();
      e = new Ast.Binary(op, e, concat());
    }
    return e;
  }

  private Expr concat() {
    Expr e = math2();
    while (atOp("~")) {
      next();
      e = new Ast.Binary("~", e, math2());
    }
    return e;
  }

  private Expr math2() {
    Expr e = pow();
    while (atOp("*") || atOp("/") || atOp("//") || atOp("%")) {
      String op = next().value();
      e = new Ast.Binary(op, e, pow());
    }
    return e;
  }

  private Expr pow() {
    Expr e = unary(true);
    while (atOp("**")) {
      next();
      e = new Ast.Binary("**", e, unary(true));
    }
    return e;
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
    while (true) {
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
    while (true) {
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
        return e;
      }
    }
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
