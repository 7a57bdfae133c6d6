package org.beear.llm.text.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The string operations filters and str methods share, with Python's and Jinja2's results. Each charges its scan
 * to the render's budget and checks the string it builds before building it (for case changes, which may
 * lengthen a string up to three times, the input's length first and the growth after).
 */
final class Strings {
  private Strings() {}

  static String upper(String s, Budget budget) {
    budget.string(s.length());
    budget.scan(s.length());
    return caseChanged(s, s.toUpperCase(Locale.ROOT), budget);
  }

  static String lower(String s, Budget budget) {
    budget.string(s.length());
    budget.scan(s.length());
    return caseChanged(s, s.toLowerCase(Locale.ROOT), budget);
  }

  private static String caseChanged(String s, String changed, Budget budget) {
    if (changed.length() > s.length()) {
      budget.grow(changed.length(), changed.length() - s.length());
    }
    return changed;
  }

  static String capitalize(String s, Budget budget) {
    if (s.isEmpty()) {
      return s;
    }
    budget.string(s.length());
    budget.scan(s.length());
    int first = s.codePointAt(0);
    return caseChanged(s, new String(Character.toChars(Character.toTitleCase(first)))
        + s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT), budget);
  }

  /** Jinja2's title filter: upper-cases the first letter of each word (after whitespace, -, (, {, [ or <). */
  static String title(String s, Budget budget) {
    budget.scan(s.length());
    TextBuilder out = new TextBuilder(budget);
    boolean start = true;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      out.appendCodePoint(start ? Character.toUpperCase(cp) : Character.toLowerCase(cp));
      start = Py.isSpace(cp) || "-([{<".indexOf(cp) >= 0;
      i += Character.charCount(cp);
    }
    return out.build();
  }

  /** str.replace; {@code count} below zero replaces every occurrence. */
  static String replace(String s, String old, String replacement, long count, Budget budget) {
    TextBuilder out = new TextBuilder(budget);
    long done = 0;
    if (old.isEmpty()) { // Python puts the replacement between code points and at both ends
      budget.scan(s.length());
      for (int i = 0; i < s.length(); ) {
        if (count < 0 || done < count) {
          out.append(replacement);
          done++;
        }
        int cp = s.codePointAt(i);
        out.appendCodePoint(cp);
        i += Character.charCount(cp);
      }
      if (count < 0 || done < count) {
        out.append(replacement);
      }
      return out.build();
    }
    int from = 0;
    for (int at = Substrings.indexOf(s, old, 0, budget); at >= 0 && (count < 0 || done < count);
        at = Substrings.indexOf(s, old, from, budget)) {
      out.append(s, from, at).append(replacement);
      from = at + old.length();
      done++;
    }
    out.append(s, from, s.length());
    return out.build();
  }

  /** str.split: on runs of whitespace dropping empty parts ({@code sep} null), else on each {@code sep}. */
  static List<Object> split(String s, String sep, long maxSplit, Budget budget) {
    List<Object> parts = new ArrayList<>();
    if (sep == null) {
      budget.scan(s.length());
      int i = 0;
      int n = s.length();
      while (true) {
        while (i < n && Py.isSpace(s.charAt(i))) {
          i++;
        }
        if (i >= n) {
          break;
        }
        if (maxSplit >= 0 && parts.size() >= maxSplit) {
          parts.add(part(Py.rstrip(s.substring(i)), budget));
          break;
        }
        int start = i;
        while (i < n && !Py.isSpace(s.charAt(i))) {
          i++;
        }
        parts.add(part(s.substring(start, i), budget));
      }
      return parts;
    }
    if (sep.isEmpty()) {
      throw JinjaException.runtime("empty separator");
    }
    int from = 0;
    while (maxSplit < 0 || parts.size() < maxSplit) {
      int at = Substrings.indexOf(s, sep, from, budget);
      if (at < 0) {
        break;
      }
      parts.add(part(s.substring(from, at), budget));
      from = at + sep.length();
    }
    parts.add(part(s.substring(from), budget));
    return parts;
  }

  private static String part(String part, Budget budget) {
    budget.step();
    budget.allocate(Budget.ITEM_CHARS + Budget.OBJECT_CHARS);
    budget.string(part.length());
    return part;
  }

  /** Jinja2's wordcount: runs of word characters (letters, digits, underscore). */
  static long wordCount(String s, Budget budget) {
    budget.scan(s.length());
    long words = 0;
    boolean inWord = false;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      boolean word = Character.isLetterOrDigit(cp) || cp == '_';
      if (word && !inWord) {
        words++;
      }
      inWord = word;
      i += Character.charCount(cp);
    }
    return words;
  }

  /**
   * Jinja2's indent: every line but the first (and the first too if {@code first}) indented by {@code width}
   * spaces or the {@code width} string; empty lines only if {@code blank}. Lines end where Python's splitlines
   * ends them (of {@code s + "\n"}, as Jinja2 splits) and come out joined by newlines.
   */
  static String indent(String s, Object width, boolean first, boolean blank, Budget budget) {
    String pad = width instanceof String w ? w : " ".repeat((int) budget.string(Math.max(0, Py.asLong(width))));
    budget.scan(s.length());
    TextBuilder out = new TextBuilder(budget);
    if (first) {
      out.append(pad);
    }
    int lineStart = 0;
    boolean firstLine = true;
    while (lineStart <= s.length()) {
      int end = lineStart;
      while (end < s.length() && !lineBreak(s.charAt(end))) {
        end++;
      }
      if (!firstLine) {
        out.append('\n');
        if (blank || end > lineStart) {
          out.append(pad);
        }
      }
      out.append(s, lineStart, end);
      firstLine = false;
      if (end == s.length()) {
        break;
      }
      lineStart = end + (s.charAt(end) == '\r' && end + 1 < s.length() && s.charAt(end + 1) == '\n' ? 2 : 1);
    }
    return out.build();
  }

  /** The characters Python's str.splitlines ends a line at. */
  private static boolean lineBreak(char c) {
    return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || (c >= 0x1c && c <= 0x1e) || c == 0x85
        || c == 0x2028 || c == 0x2029;
  }
}
