package org.beear.llm.text.jinja;

import java.util.List;
import org.beear.llm.text.jinja.Lexer.Token;
import org.beear.llm.text.jinja.Lexer.Type;

/** A position in a template's tokens, with the nesting depth that {@link TemplateLimits} bounds. */
abstract class TokenCursor {
  final List<Token> tokens;
  final int maxNesting;
  int pos;
  int depth;

  TokenCursor(List<Token> tokens, int maxNesting) {
    this.tokens = tokens;
    this.maxNesting = maxNesting;
  }

  Token peek() {
    return tokens.get(pos);
  }

  Token next() {
    return tokens.get(pos++);
  }

  JinjaException error(String message) {
    return JinjaException.syntax(message, peek().line());
  }

  void enter() {
    if (++depth > maxNesting) {
      throw new JinjaException(JinjaException.Kind.LIMIT, "template nests deeper than " + maxNesting + " levels");
    }
  }

  boolean atOp(String op) {
    return peek().is(Type.OP, op);
  }

  boolean atName(String name) {
    return peek().is(Type.NAME, name);
  }

  void expectOp(String op) {
    if (!atOp(op)) {
      throw error("expected '" + op + "', got '" + peek().value() + "'");
    }
    pos++;
  }

  void expect(Type type) {
    if (peek().type() != type) {
      throw error("expected " + type + ", got '" + peek().value() + "'");
    }
    pos++;
  }

  String expectName() {
    if (peek().type() != Type.NAME) {
      throw error("expected a name, got '" + peek().value() + "'");
    }
    return next().value();
  }

  String peekBlockName() {
    Token t = peek();
    if (t.type() == Type.BLOCK_BEGIN && tokens.get(pos + 1).type() == Type.NAME) {
      return tokens.get(pos + 1).value();
    }
    return t.value();
  }

}
