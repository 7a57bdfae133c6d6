package org.beear.options;

/**
 * The options of a set as a Markdown table, one row per option in the set's order: the README's options tables
 * are this text (a test keeps them so).
 */
public final class OptionTable {
  private OptionTable() {}

  public static String markdown(OptionSet set) {
    StringBuilder out = new StringBuilder("| option | group | default | allowed | what it does |\n")
        .append("|---|---|---|---|---|\n");
    for (Option<?> o : set.options()) {
      out.append("| `").append(o.name()).append("` | ").append(o.group()).append(" | ").append(cell(o.defaultText()))
          .append(" | ").append(cell(o.allowedText())).append(" | ").append(cell(o.help())).append(" |\n");
    }
    return out.toString();
  }

  private static String cell(String text) {
    return text.isEmpty() ? "" : text.replace("|", "\\|");
  }
}
