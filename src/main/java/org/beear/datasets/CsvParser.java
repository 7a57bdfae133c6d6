package org.beear.datasets;

import java.util.ArrayList;
import java.util.List;

/**
 * A small RFC 4180 CSV parser: comma-separated fields, fields optionally in double quotes, a doubled quote
 * inside a quoted field is a literal quote, quoted fields may hold commas and line breaks, records end at LF or
 * CRLF. Hand-written because the project has no CSV library and splitting on commas breaks AdvBench rows such
 * as {@code "Sure, here is ..."}.
 */
public final class CsvParser {

  /** One parsed record and the 1-based line of the source on which it starts, for error messages. */
  public record Row(int line, List<String> fields) {
    public Row {
      fields = List.copyOf(fields);
    }
  }

  /** Thrown for malformed CSV; the message names the source and line. */
  public static final class CsvFormatException extends IllegalArgumentException {
    public CsvFormatException(String message) {
      super(message);
    }
  }

  private CsvParser() {}

  /**
   * Parses all records. A trailing line break does not create an empty record; blank lines are skipped.
   *
   * @param source a name for error messages (usually the file path)
   */
  public static List<Row> parse(String text, String source) {
    List<Row> rows = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int line = 1;
    int recordLine = 1;
    boolean inQuotes = false;
    boolean fieldWasQuoted = false;
    int i = 0;
    int n = text.length();
    if (n > 0 && text.charAt(0) == '\uFEFF') {
      i = 1; // a UTF-8 byte order mark written by spreadsheet exports
    }
    for (; i < n; i++) {
      char c = text.charAt(i);
      if (inQuotes) {
        if (c == '"') {
          if (i + 1 < n && text.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else {
            inQuotes = false;
          }
        } else {
          if (c == '\n') {
            line++;
          }
          field.append(c);
        }
        continue;
      }
      switch (c) {
        case '"' -> {
          if (field.length() > 0 || fieldWasQuoted) {
            throw new CsvFormatException(source + ":" + line + ": a quote inside an unquoted field"
                + " (quote the whole field and double the inner quotes)");
          }
          inQuotes = true;
          fieldWasQuoted = true;
        }
        case ',' -> {
          fields.add(field.toString());
          field.setLength(0);
          fieldWasQuoted = false;
        }
        case '\r' -> {
          if (i + 1 >= n || text.charAt(i + 1) != '\n') {
            throw new CsvFormatException(source + ":" + line + ": a bare carriage return outside quotes");
          }
        }
        case '\n' -> {
          fields.add(field.toString());
          addUnlessBlank(rows, recordLine, fields);
          fields = new ArrayList<>();
          field.setLength(0);
          fieldWasQuoted = false;
          line++;
          recordLine = line;
        }
        default -> {
          if (fieldWasQuoted) {
            throw new CsvFormatException(source + ":" + line + ": text after the closing quote of a field");
          }
          field.append(c);
        }
      }
    }
    if (inQuotes) {
      throw new CsvFormatException(source + ":" + recordLine + ": a quoted field is never closed");
    }
    if (field.length() > 0 || fieldWasQuoted || !fields.isEmpty()) {
      fields.add(field.toString());
      addUnlessBlank(rows, recordLine, fields);
    }
    return rows;
  }

  private static void addUnlessBlank(List<Row> rows, int line, List<String> fields) {
    boolean blank = fields.size() == 1 && fields.get(0).isEmpty();
    if (!blank) {
      rows.add(new Row(line, fields));
    }
  }
}
