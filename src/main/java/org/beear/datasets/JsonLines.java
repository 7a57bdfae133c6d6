package org.beear.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON Lines: one object per non-blank line, errors prefixed with {@code file:line: }. Errors say what is wrong and
 * where, never what the line holds: the file may not be what it claims to be.
 */
public final class JsonLines {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A line that is not one JSON object; the message starts with "file:line: ". */
  public static final class FormatException extends IllegalArgumentException {
    FormatException(String message) {
      super(message);
    }
  }

  /** One parsed line; {@code where} is the "file:line: " prefix for the caller's own errors. */
  public record Line(String where, JsonNode object) {}

  private JsonLines() {}

  public static List<Line> objects(Path file, List<String> lines) {
    List<Line> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      String where = file + ":" + (i + 1) + ": ";
      JsonNode node;
      try {
        node = JSON.readTree(line);
      } catch (JsonProcessingException e) {
        throw new FormatException(where + badJson(e));
      }
      if (node == null || !node.isObject()) {
        throw new FormatException(where + "expected one JSON object per line");
      }
      out.add(new Line(where, node));
    }
    return out;
  }

  /** Where the line stops being JSON; not Jackson's message, which quotes the text it choked on. */
  private static String badJson(JsonProcessingException e) {
    return "bad JSON at column " + (e.getLocation() == null ? "?" : e.getLocation().getColumnNr());
  }
}
