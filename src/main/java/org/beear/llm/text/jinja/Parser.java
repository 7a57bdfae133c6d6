package org.beear.llm.text.jinja;

import java.util.ArrayList;
import java.util.List;
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
final class Parser extends ExpressionParser {

  /** transformers' AssistantTracker tag: renders its body unchanged. */
  private static final String GENERATION = "generation";

  private Parser(List<Token> tokens, int maxNesting) {
    super(tokens, maxNesting);
  }

  static List<Node> parse(String source, int maxNesting) {
    Parser parser = new Parser(Lexer.tokenize(source), maxNesting);
    List<Node> body = parser.parseBody(Set.of());
    if (parser.peek().type() != Type.EOF) {
      throw parser.error("unexpected '" + parser.peekBlockName() + "'");
    }
    return body;
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

}
