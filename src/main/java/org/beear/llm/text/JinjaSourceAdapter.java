package org.beear.llm.text;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the few Jinja2 (Python) idioms of HF chat templates that Jinjava reads differently, so the
 * template renders as transformers renders it:
 *
 * <ul>
 *   <li>{@code not X in Y}: Python binds it as {@code not (X in Y)}, Jinjava as {@code (not X) in Y};
 *       rewritten to {@code X not in Y} for a literal or variable path X.
 *   <li>Python string methods that Java's String lacks under that name ({@code .upper()},
 *       {@code .lower()}, {@code .lstrip()}, {@code .rstrip()}, {@code .startswith(},
 *       {@code .endswith(}) become their Java twins; {@code .strip()} exists in both.
 *   <li>Jinja2 drops one newline at the very end of a template ({@code keep_trailing_newline=False}).
 * </ul>
 */
final class JinjaSourceAdapter {

  private static final String OPERAND = "('[^'\\n]*'|\"[^\"\\n]*\"|[A-Za-z_][\\w.]*(?:\\[[^\\]\\n]*\\])*)";
  private static final Pattern NOT_IN = Pattern.compile("\\bnot\\s+" + OPERAND + "\\s+in\\b");

  private static final Pattern TAG = Pattern.compile("\\{\\{.*?\\}\\}|\\{%.*?%\\}", Pattern.DOTALL);

  private static final String[][] PYTHON_TO_JAVA_METHODS = {
    {".upper()", ".toUpperCase()"},
    {".lower()", ".toLowerCase()"},
    {".lstrip()", ".stripLeading()"},
    {".rstrip()", ".stripTrailing()"},
    {".startswith(", ".startsWith("},
    {".endswith(", ".endsWith("},
  };

  private JinjaSourceAdapter() {}

  static String adapt(String jinja2Source) {
    String source = jinja2Source;
    if (source.endsWith("\r\n")) {
      source = source.substring(0, source.length() - 2);
    } else if (source.endsWith("\n")) {
      source = source.substring(0, source.length() - 1);
    }
    // only code inside {{ }} and {% %} is rewritten; literal template text is left alone
    return TAG.matcher(source).replaceAll(tag -> Matcher.quoteReplacement(adaptCode(tag.group())));
  }

  private static String adaptCode(String code) {
    String out = NOT_IN.matcher(code).replaceAll(r -> Matcher.quoteReplacement(r.group(1) + " not in"));
    for (String[] rename : PYTHON_TO_JAVA_METHODS) {
      out = out.replace(rename[0], rename[1]);
    }
    return out;
  }
}
