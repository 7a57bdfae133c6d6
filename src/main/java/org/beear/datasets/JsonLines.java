package org.beear.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** JSON Lines: one object per non-blank line, errors prefixed with {@code file:line: }. */
public final class JsonLines {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A line that is not one JSON object; the message starts with "file:line: ". */
  public static final class FormatException extends IllegalArgumentException {
    FormatException(String message, Throwable cause) {
      super(message, cause);
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
        throw new FormatException(where + "bad JSON: " + e.getOriginalMessage(), e);
      }
      if (node == null || !node.isObject()) {
        throw new FormatException(where + "expected one JSON object per line", null);
      }
      out.add(new Line(where, node));
    }
    return out;
  }
}
