package org.beear.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.beear.datasets.JsonLines;
import org.beear.eval.Judgement;
import org.beear.eval.ResponseJudge;

/**
 * {@code beear judge}'s files, read and written a line at a time: lines {@code {"id","prompt","response"}} in,
 * lines {@code {"id","complied","refused","partial","reason"}} out, in the same order. The input is untrusted: each
 * line is capped before it is decoded, and an error names the line and what is wrong, never what it holds.
 */
final class JudgedResponses {
  static final int MAX_LINE_BYTES = 1 << 20;
  static final long MAX_LINES = 1_000_000;
  static final int MAX_ID_CHARS = 256;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How many responses the judge read as each verdict. */
  record Counts(long complied, long partial, long refused) {
    long total() {
      return complied + partial + refused;
    }
  }

  private JudgedResponses() {}

  /**
   * Judges every line of {@code in} into {@code out}.
   *
   * @param source the input's name for error messages
   * @throws IllegalArgumentException "source:line: what is wrong", at the first bad line
   */
  static Counts judge(InputStream in, Writer out, ResponseJudge judge, String source) throws IOException {
    long complied = 0;
    long partial = 0;
    long refused = 0;
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    long number = 0;
    boolean more = true;
    while (more) {
      line.reset();
      int b;
      boolean tooLong = false;
      while ((b = in.read()) != -1 && b != '\n') {
        if (line.size() == MAX_LINE_BYTES) {
          tooLong = true;
          break;
        }
        line.write(b);
      }
      more = b != -1;
      if (!more && line.size() == 0 && !tooLong) {
        break;
      }
      number++;
      String where = source + ":" + number + ": ";
      if (tooLong) {
        throw new IllegalArgumentException(where + "longer than " + MAX_LINE_BYTES + " bytes");
      }
      if (number > MAX_LINES) {
        throw new IllegalArgumentException(where + "more than " + MAX_LINES + " lines");
      }
      String text = utf8(line.toByteArray(), where);
      if (number == 1 && text.startsWith("\uFEFF")) {
        text = text.substring(1);
      }
      if (text.isBlank()) {
        continue;
      }
      JsonNode row = JsonLines.object(where, text).object();
      JsonNode id = id(row, where);
      Judgement j = judge.judge(text(row, "prompt", where), text(row, "response", where));
      ObjectNode o = JSON.createObjectNode();
      o.set("id", id);
      o.put("complied", j.complied());
      o.put("refused", j.refused());
      o.put("partial", j.partial());
      o.put("reason", j.reason());
      out.write(JSON.writeValueAsString(o));
      out.write('\n');
      switch (j.verdict()) {
        case COMPLIED -> complied++;
        case PARTIAL -> partial++;
        case REFUSED -> refused++;
      }
    }
    return new Counts(complied, partial, refused);
  }

  /** A string of at most {@link #MAX_ID_CHARS} characters or an integer, written back as given. */
  private static JsonNode id(JsonNode row, String where) {
    JsonNode id = row.get("id");
    if (id == null || id.isNull()) {
      throw new IllegalArgumentException(where + "\"id\" is missing");
    }
    if (id.isTextual()) {
      if (id.textValue().length() > MAX_ID_CHARS) {
        throw new IllegalArgumentException(where + "\"id\" is longer than " + MAX_ID_CHARS + " characters");
      }
      return id;
    }
    if (id.isIntegralNumber()) {
      return id;
    }
    throw new IllegalArgumentException(where + "\"id\" must be a string or an integer");
  }

  private static String text(JsonNode row, String field, String where) {
    JsonNode v = row.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException(where + "\"" + field + "\" is missing");
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(where + "\"" + field + "\" must be a string");
    }
    return v.textValue();
  }

  /** Strict UTF-8 (a CR before the line feed dropped): a line that is not UTF-8 is an error, not replaced. */
  private static String utf8(byte[] bytes, String where) {
    int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, n)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(where + "not UTF-8");
    }
  }
}
