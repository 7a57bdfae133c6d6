package org.beear.llm.text.jinja;

import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A compiled chat template: this project's own Jinja2 interpreter, built to render Hugging Face chat
 * templates exactly as transformers' {@code apply_chat_template} renders them (Jinja2 sandbox,
 * trim_blocks, lstrip_blocks, loop controls, transformers' tojson, raise_exception and strftime_now)
 * while treating the template as untrusted: it has no include/import/extends, no access to Java
 * objects, files or the network, and every render runs within {@link TemplateLimits}.
 *
 * <p>Context values are data: strings, numbers, booleans, null, lists and maps of them. A string in the
 * context is never parsed as template code, whatever it contains.
 */
public final class JinjaTemplate {

  private final List<Ast.Node> body;
  private final TemplateLimits limits;
  private final Map<String, Object> globals;

  private JinjaTemplate(List<Ast.Node> body, TemplateLimits limits, Clock clock) {
    this.body = body;
    this.limits = limits;
    this.globals = Builtins.globals(clock);
  }

  /**
   * Parses a template; time and memory are linear in its length.
   *
   * @throws JinjaException of kind SYNTAX if it is not a template this engine reads, LIMIT if it is longer
   *     than {@code limits.maxTemplateChars()} or nests too deeply
   */
  public static JinjaTemplate compile(String source, TemplateLimits limits, Clock clock) {
    if (source.length() > limits.maxTemplateChars()) {
      throw new JinjaException(JinjaException.Kind.LIMIT, "chat template has " + source.length()
          + " characters, more than the " + limits.maxTemplateChars() + " allowed");
    }
    return new JinjaTemplate(Parser.parse(source, limits.maxNesting()), limits, clock);
  }

  /**
   * Renders with the given variables (a Java null is Python's None).
   *
   * @throws JinjaException of kind RAISED when the template calls raise_exception, RUNTIME for what
   *     Jinja2 would also refuse, LIMIT when the render would exceed a limit
   */
  public String render(Map<String, Object> context) {
    return render(context, Cancellation.NONE);
  }

  /**
   * Renders, asking {@code cancellation} at every step whether to go on: what it throws leaves this method
   * unchanged.
   *
   * @throws JinjaException as {@link #render(Map)}
   */
  public String render(Map<String, Object> context, Cancellation cancellation) {
    return new Interpreter(context, globals, new Budget(limits, cancellation)).render(body);
  }
}
