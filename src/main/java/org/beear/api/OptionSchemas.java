package org.beear.api;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.BooleanSchema;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.NumberSchema;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.ScanOptions;
import org.beear.options.Option;
import org.beear.options.OptionSet;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.stereotype.Component;

/**
 * The OpenAPI schemas of the options objects, made from the option declarations: each option a property with its
 * type, bounds, allowed values and a description that states its default, so the API documentation cannot drift
 * from what the service accepts.
 */
@Component
class OptionSchemas implements OpenApiCustomizer {

  /** The schema names the request and job schemas refer to. */
  static final String CLEANSE = "BeearOptions";
  static final String SCAN = "ScanOptions";

  @Override
  public void customise(OpenAPI api) {
    api.getComponents().addSchemas(CLEANSE, schema(BeearOptions.SET,
        "Cleanse options (snake_case); each omitted option takes its default. Unknown names are refused."));
    api.getComponents().addSchemas(SCAN, schema(ScanOptions.SET,
        "Scan options (snake_case); each omitted option takes its default. Unknown names are refused."));
  }

  static Schema<?> schema(OptionSet set, String description) {
    Map<String, Schema> properties = new LinkedHashMap<>();
    for (Option<?> o : set.options()) {
      properties.put(o.name(), property(o));
    }
    ObjectSchema schema = new ObjectSchema();
    schema.setDescription(description);
    schema.setProperties(properties);
    schema.setAdditionalProperties(false);
    return schema;
  }

  private static Schema<?> property(Option<?> o) {
    Schema<?> s = switch (o.type()) {
      case INTEGER -> new IntegerSchema().format("int32");
      case LONG -> new IntegerSchema().format("int64");
      case NUMBER -> new NumberSchema().format("double");
      case BOOLEAN -> new BooleanSchema();
      case TEXT -> new StringSchema();
      case INTEGER_LIST -> new ArraySchema().items(new IntegerSchema().format("int32"));
    };
    Option.Schema bounds = o.schema();
    boolean list = o.type() == Option.Type.INTEGER_LIST;
    Schema<?> values = list ? ((ArraySchema) s).getItems() : s;
    if (bounds.minimum() != null) {
      values.setMinimum(new BigDecimal(bounds.minimum().toString()));
      values.setExclusiveMinimum(bounds.exclusiveMinimum() ? true : null);
    }
    if (bounds.maximum() != null) {
      values.setMaximum(new BigDecimal(bounds.maximum().toString()));
    }
    if (bounds.choices() != null) {
      ((StringSchema) s).setEnum(bounds.choices());
    }
    if (bounds.maxLength() != null) {
      s.setMaxLength(bounds.maxLength());
    }
    if (bounds.maxItems() != null) {
      s.setMaxItems(bounds.maxItems());
      s.setMinItems(1);
      s.setUniqueItems(true);
    }
    s.setDescription(o.help() + ". Default: " + o.defaultText() + "."
        + (o.allowedText().isEmpty() ? "" : " Allowed: " + o.allowedText() + "."));
    return s;
  }
}
