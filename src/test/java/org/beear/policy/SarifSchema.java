package org.beear.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The SARIF 2.1.0 JSON schema (src/test/resources/sarif, from the SARIF SDK's npm package; see its README) and
 * what it finds wrong with a log.
 */
public final class SarifSchema {
  private SarifSchema() {}

  private static final Schema SCHEMA = load();

  private static Schema load() {
    try (InputStream in = SarifSchema.class.getResourceAsStream("/sarif/sarif-schema-2.1.0.json")) {
      return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every violation of the schema in {@code log}, in words; empty when valid. */
  public static List<String> problems(JsonNode log) {
    // formats (uri, uri-reference, date-time) asserted too, not only noted
    return SCHEMA.validate(log, context -> context.executionConfig(c -> c.formatAssertionsEnabled(true))).stream()
        .map(String::valueOf).toList();
  }
}
