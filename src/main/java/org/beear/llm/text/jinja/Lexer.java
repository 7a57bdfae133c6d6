package org.beear.llm.text.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a template into tokens the way Jinja2's lexer does with transformers' settings
 * ({@code trim_blocks}, {@code lstrip_blocks}, no trailing newline kept). One left-to-right pass
 * without regular expressions, so lexing time is linear in the template's length whatever it holds.
 */
final class Lexer {

  enum Type { DATA, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OP, EOF }

  record Token(Type type, String value, int line) {
    boolean is(Type t, String v) {
      return type == t && value.equals(v);
    }
  }

  private static final String[] OPERATORS = {
    "//", "**", "==", "!=", "<=", ">=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", "<", ">", "=",
    ".", ":", "|", ",", ";"
  };

  private final String src;
  private final List<Token> tokens = new ArrayList<>();
  private int pos;
  private int line = 1;

  private Lexer(String source) {
    this.src = source;
  }

  static List<Token> tokenize(String source) {
    Lexer lexer = new Lexer(normalizeNewlines(source));
    lexer.run();
    return lexer.tokens;
  }

  /** Jinja2 turns every \r\n, \r and \n into \n and drops one newline at the very end. */
  static String normalizeNewlines(String source) {
    String s = source.indexOf('\r') < 0 ? source : source.replace("\r\n", "\n").replace('\r', '\n');
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }

  private void run() {
    boolean lineStarting = true;
    while (pos < src.length()) {
      int tag = nextTagStart(pos);
      if (tag < 0) {
        emitData(src.substring(pos));
        pos = src.length();
        break;
      }
      char kind = src.charAt(tag + 1);
      char sign = tag + 2 < src.length() ? src.charAt(tag + 2) : 0;
      String text = src.substring(pos, tag);
      if (sign == '-') {
        text = Py.rstrip(text);
      } else if (sign != '+' && kind != '{') {
        // lstrip_blocks: a block or comment tag alone on its line takes the line's indentation with it
        int lineStart = text.lastIndexOf('\n') + 1;
        if ((lineStart > 0 || lineStarting) && lineStart < text.length() && Py.isBlank(text, lineStart)) {
          text = text.substring(0, lineStart);
        }
      }
      emitData(text);
      countLines(pos, tag);
      pos = tag + 2 + (sign == '-' || sign == '+' ? 1 : 0);
      if (kind == '#') {
        lineStarting = skipComment();
      } else {
        tokens.add(new Token(kind == '{' ? Type.VAR_BEGIN : Type.BLOCK_BEGIN, "", line));
        lineStarting = lexTag(kind == '{' ? '}' : '%');
      }
    }
    tokens.add(new Token(Type.EOF, "", line));
  }

  private int nextTagStart(int from) {
    int i = from;
    while (true) {
      i = src.indexOf('{', i);
      if (i < 0 || i + 1 >= src.length()) {
        return -1;
      }
      char c = src.charAt(i + 1);
      if (c == '{' || c == '%' || c == '#') {
        return i;
      }
      i++;
    }
  }

  private void emitData(String text) {
    if (!text.isEmpty()) {
      tokens.add(new Token(Type.DATA, text, line));
    }
  }

  private void countLines(int from, int to) {
    for (int i = from; i < to; i++) {
      if (src.charAt(i) == '\n') {
        line++;
      }
    }
  }

  /** Skips a comment; returns whether what it consumed ends a line (for lstrip_blocks). */
  private boolean skipComment() {
    int end = src.indexOf("#}", pos);
    if (end < 0) {
      throw JinjaException.syntax("unclosed comment", line);
    }
    char before = end > pos ? src.charAt(end - 1) : 0;
    countLines(pos, end);
    pos = end + 2;
    return consumeAfterTag(before, true);
  }

  /** After a tag's closing delimiter: '-' strips all whitespace, trim_blocks one newline after blocks. */
  private boolean consumeAfterTag(char sign, boolean block) {
    int start = pos;
    if (sign == '-') {
      while (pos < src.length() && Py.isSpace(src.charAt(pos))) {
        pos++;
      }
    } else if (sign != '+' && block && pos < src.length() && src.charAt(pos) == '\n') {
      pos++;
    }
    countLines(start, pos);
    return pos > start ? src.charAt(pos - 1) == '\n' : false;
  }

  /** Lexes the code of a {{ }} or {% %} tag up to and including its end; returns lineStarting. */
  private boolean lexTag(char endChar) {
    int depth = 0;
    while (true) {
      while (pos < src.length() && Py.isSpace(src.charAt(pos))) {
        if (src.charAt(pos) == '\n') {
          line++;
        }
        pos++;
      }
      if (pos >= src.length()) {
        throw JinjaException.syntax("unclosed tag", line);
      }
      if (depth == 0) {
        char c = src.charAt(pos);
        char sign = (c == '-' || c == '+') ? c : 0;
        int at = pos + (sign != 0 ? 1 : 0);
        if (src.startsWith(endChar == '}' ? "}}" : "%}", at) && !(sign == '+' && endChar == '}')) {
          tokens.add(new Token(endChar == '}' ? Type.VAR_END : Type.BLOCK_END, "", line));
          pos = at + 2;
          return consumeAfterTag(sign, endChar == '%');
        }
      }
      char c = src.charAt(pos);
      if (Character.isDigit(c)) {
        lexNumber();
      } else if (Character.isLetter(c) || c == '_') {
        int start = pos;
        while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
          pos++;
        }
        tokens.add(new Token(Type.NAME, src.substring(start, pos), line));
      } else if (c == '\'' || c == '"') {
        lexString(c);
      } else {
        String op = operatorAt(pos);
        if (op == null) {
          throw JinjaException.syntax("unexpected character '" + c + "'", line);
        }
        if (op.equals("(") || op.equals("[") || op.equals("{")) {
          depth++;
        } else if (op.equals(")") || op.equals("]") || op.equals("}")) {
          depth = Math.max(0, depth - 1);
        }
        tokens.add(new Token(Type.OP, op, line));
        pos += op.length();
      }
    }
  }

  private String operatorAt(int at) {
    for (String op : OPERATORS) {
      if (src.startsWith(op, at)) {
        return op;
      }
    }
    return null;
  }

  private void lexNumber() {
    int start = pos;
    skipDigits();
    boolean isFloat = false;
    if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))
        && !(start > 0 && src.charAt(start - 1) == '.')) {
      pos++;
      skipDigits();
      isFloat = true;
    }
    if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
      int mark = pos;
      pos++;
      if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
        pos++;
      }
      if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
        skipDigits();
        isFloat = true;
      } else {
        pos = mark;
      }
    }
    String text = src.substring(start, pos).replace("_", "");
    tokens.add(new Token(isFloat ? Type.FLOAT : Type.INTEGER, text, line));
  }

  private void skipDigits() {
    while (pos < src.length() && (Character.isDigit(src.charAt(pos))
        || (src.charAt(pos) == '_' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1))))) {
      pos++;
    }
  }

  /** A quoted string with Python's escapes (unknown escapes are kept as written, as Python does). */
  private void lexString(char quote) {
    int startLine = line;
    StringBuilder out = new StringBuilder();
    pos++;
    while (true) {
      if (pos >= src.length()) {
        throw JinjaException.syntax("unterminated string", startLine);
      }
      char c = src.charAt(pos++);
      if (c == quote) {
        break;
      }
      if (c == '\n') {
        line++;
      }
      if (c != '\\' || pos >= src.length()) {
        out.append(c);
        continue;
      }
      char e = src.charAt(pos++);
      switch (e) {
        case 'n' -> out.append('\n');
        case 't' -> out.append('\t');
        case 'r' -> out.append('\r');
        case '\\' -> out.append('\\');
        case '\'' -> out.append('\'');
        case '"' -> out.append('"');
        case 'a' -> out.append('\u0007');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'v' -> out.append('\u000b');
        case '0' -> out.append('\0');
        case '\n' -> line++;
        case 'x' -> out.appendCodePoint(hexEscape(2, startLine));
        case 'u' -> out.appendCodePoint(hexEscape(4, startLine));
        case 'U' -> out.appendCodePoint(hexEscape(8, startLine));
        default -> out.append('\\').append(e);
      }
    }
    tokens.add(new Token(Type.STRING, out.toString(), startLine));
  }

  private int hexEscape(int digits, int startLine) {
    if (pos + digits > src.length()) {
      throw JinjaException.syntax("truncated \\x/\\u escape in a string", startLine);
    }
    try {
      int cp = Integer.parseUnsignedInt(src.substring(pos, pos + digits), 16);
      if (!Character.isValidCodePoint(cp)) {
        throw JinjaException.syntax("escape out of Unicode range in a string", startLine);
      }
      pos += digits;
      return cp;
    } catch (NumberFormatException e) {
      throw JinjaException.syntax("malformed \\x/\\u escape in a string", startLine);
    }
  }
}
