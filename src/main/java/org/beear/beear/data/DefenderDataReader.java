package org.beear.beear.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.beear.datasets.CsvParser;
import org.beear.datasets.JsonLines;

/**
 * Reads the defender's data files (schema: {@code docs/defender-data.md}). The format follows the file name:
 * {@code .jsonl} (also {@code .json}, one object per line) or {@code .csv} (a header row naming the columns).
 * <ul>
 *   <li>harmful set: {@code query}, {@code safe_response}, {@code unwanted_response};</li>
 *   <li>anchoring set: {@code prompt}, {@code response}.</li>
 * </ul>
 * Every field must be a non-empty string; other fields or columns are ignored. Blank lines are skipped. Any
 * problem raises a {@link DefenderDataException} whose message starts with {@code file:line:} (the file's name)
 * and never quotes what the file holds.
 */
public final class DefenderDataReader {

  private static final List<String> HARMFUL_FIELDS = List.of("query", "safe_response", "unwanted_response");
  private static final List<String> ANCHOR_FIELDS = List.of("prompt", "response");

  private DefenderDataReader() {}

  public static List<DefenderExample> readHarmful(Path file) {
    return read(file, HARMFUL_FIELDS,
        f -> new DefenderExample(f.get("query"), f.get("safe_response"), f.get("unwanted_response")));
  }

  public static List<AnchorExample> readAnchors(Path file) {
    return read(file, ANCHOR_FIELDS, f -> new AnchorExample(f.get("prompt"), f.get("response")));
  }

  private static <T> List<T> read(Path file, List<String> fields, Function<Map<String, String>, T> make) {
    String source = file.getFileName().toString();
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DefenderDataException(source + ": cannot read the file: " + unreadable(e));
    }
    String name = source.toLowerCase(Locale.ROOT);
    List<T> examples;
    if (name.endsWith(".jsonl") || name.endsWith(".json")) {
      examples = readJsonLines(file.getFileName(), text, fields, make);
    } else if (name.endsWith(".csv")) {
      examples = readCsv(source, text, fields, make);
    } else {
      throw new DefenderDataException(source + ": unknown format: expected a .jsonl or .csv file");
    }
    if (examples.isEmpty()) {
      throw new DefenderDataException(source + ": empty file: no examples (expected fields " + fields + ")");
    }
    return List.copyOf(examples);
  }

  private static <T> List<T> readJsonLines(Path name, String text, List<String> fields,
      Function<Map<String, String>, T> make) {
    List<JsonLines.Line> lines;
    try {
      lines = JsonLines.objects(name, text.lines().toList());
    } catch (JsonLines.FormatException e) {
      throw new DefenderDataException(e.getMessage());
    }
    List<T> out = new ArrayList<>();
    for (JsonLines.Line line : lines) {
      String where = line.where();
      JsonNode node = line.object();
      Map<String, String> values = new HashMap<>();
      for (String f : fields) {
        JsonNode v = node.get(f);
        if (v == null || v.isNull()) {
          throw new DefenderDataException(where + "missing field '" + f + "' (expected fields " + fields + ")");
        }
        if (!v.isTextual()) {
          throw new DefenderDataException(where + "field '" + f + "' must be a string");
        }
        values.put(f, nonEmpty(v.asText(), f, where));
      }
      out.add(make.apply(values));
    }
    return out;
  }

  private static <T> List<T> readCsv(String source, String text, List<String> fields,
      Function<Map<String, String>, T> make) {
    List<CsvParser.Row> rows;
    try {
      rows = CsvParser.parse(text, source);
    } catch (CsvParser.CsvFormatException e) {
      throw new DefenderDataException(e.getMessage());
    }
    if (rows.isEmpty()) {
      return List.of();
    }
    CsvParser.Row header = rows.get(0);
    List<String> columns = header.fields().stream().map(String::strip).toList();
    Map<String, Integer> index = new HashMap<>();
    for (String f : fields) {
      int at = columns.indexOf(f);
      if (at < 0) {
        // the header's own text is not shown: the file may not be what it claims to be
        throw new DefenderDataException(source + ":" + header.line() + ": the header has no column '" + f
            + "' (it has " + columns.size() + (columns.size() == 1 ? " column" : " columns") + "; expected " + fields
            + ")");
      }
      index.put(f, at);
    }
    List<T> out = new ArrayList<>();
    for (CsvParser.Row row : rows.subList(1, rows.size())) {
      String where = source + ":" + row.line() + ": ";
      if (row.fields().size() != columns.size()) {
        throw new DefenderDataException(where + "expected " + columns.size() + " columns as in the header, found "
            + row.fields().size());
      }
      Map<String, String> values = new HashMap<>();
      for (String f : fields) {
        values.put(f, nonEmpty(row.fields().get(index.get(f)), f, where));
      }
      out.add(make.apply(values));
    }
    return out;
  }

  /** Why the file could not be read, without its path (the exceptions' messages are the path). */
  private static String unreadable(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof CharacterCodingException) {
      return "not UTF-8 text";
    }
    return e.getClass().getSimpleName();
  }

  private static String nonEmpty(String value, String field, String where) {
    if (value.isBlank()) {
      throw new DefenderDataException(where + "field '" + field + "' is empty");
    }
    return value;
  }
}
