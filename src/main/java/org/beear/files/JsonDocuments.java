package org.beear.files;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one convention of the JSON documents beear writes (report.json, scan.json, the command line's {@code --json}
 * outputs): snake_case names, as the REST API writes them (a record's {@code asrTriggered} is {@code asr_triggered};
 * map keys are written as they are), and unmeasured numbers (NaN, infinities) as null, so the document stays JSON.
 * The internal files of a work directory (checkpoints, the scan a cleanse ran first) keep Jackson's default names.
 */
public final class JsonDocuments {
  private JsonDocuments() {}

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .registerModule(new SimpleModule()
          .addSerializer(Double.class, new FiniteOrNull())
          .addSerializer(double.class, new FiniteOrNull()));
  private static final ObjectWriter INDENTED = MAPPER.writer(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectWriter ONE_LINE = MAPPER.writer();

  /** {@code document} as an indented JSON document. */
  public static String write(Object document) {
    return write(INDENTED, document);
  }

  /** {@code document} as JSON on one line (for a command that prints its answer as one line). */
  public static String line(Object document) {
    return write(ONE_LINE, document);
  }

  private static String write(ObjectWriter writer, Object document) {
    try {
      return writer.writeValueAsString(document);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot write " + document.getClass().getSimpleName() + " as JSON", e);
    }
  }

  private static final class FiniteOrNull extends StdSerializer<Double> {
    FiniteOrNull() {
      super(Double.class);
    }

    @Override
    public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
      if (Double.isFinite(v)) {
        g.writeNumber(v);
      } else {
        g.writeNull();
      }
    }
  }
}
