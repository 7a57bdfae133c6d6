package org.beear.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON Lines: one object per non-blank line, errors prefixed with {@code file:line: }. Errors say what is wrong and
 * where, never what the line holds: the file may not be what it claims to be.
 */
public final class JsonLines {
  /** Strict: a second value after the object, or a field given twice, is an error, not silently dropped. */
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

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
      out.add(object(file + ":" + (i + 1) + ": ", line));
    }
    return out;
  }

  /** One line that must hold one JSON object; {@code where} ("file:line: ") starts any error's message. */
  public static Line object(String where, String line) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new FormatException(where + badJson(e));
    }
    if (node == null || !node.isObject()) {
      throw new FormatException(where + "expected one JSON object per line");
    }
    return new Line(where, node);
  }

  /** Where the line stops being JSON; not Jackson's message, which quotes the text it choked on. */
  private static String badJson(JsonProcessingException e) {
    return "bad JSON at column " + (e.getLocation() == null ? "?" : e.getLocation().getColumnNr());
  }
}
