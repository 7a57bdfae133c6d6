package org.beear.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.settings.BeearOptions;
import org.beear.beear.settings.ScanOptions;
import org.beear.eval.TriggerSpec;
import org.springframework.stereotype.Component;

/**
 * The JSON documents stored on a job (options, triggers, metrics), written with the application's snake_case
 * mapper so the database holds exactly what the API shows.
 */
@Component
public class JobJson {

  /** A trigger as stored and shown: position in lower case. */
  public record StoredTrigger(String text, String position) {}

  private final ObjectMapper mapper;

  public JobJson(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  public String write(Object value) {
    try {
      return value == null ? null : mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  public String triggers(List<TriggerSpec> triggers) {
    return write(triggers.stream()
        .map(t -> new StoredTrigger(t.text(), t.position().wireName()))
        .toList());
  }

  public BeearOptions options(Job job) {
    return read(job.getOptions(), BeearOptions.class);
  }

  /** A scan job's options (a cleanse's are {@link #options}). */
  public ScanOptions scanOptions(Job job) {
    return read(job.getOptions(), ScanOptions.class);
  }

  public List<TriggerSpec> triggers(Job job) {
    List<StoredTrigger> stored = read(job.getTriggers(), new TypeReference<>() {});
    return stored.stream().map(t -> new TriggerSpec(t.text(), TriggerSpec.Position.parse(t.position()))).toList();
  }

  /** A plan's description without its settings, which a job stores in a column of their own. */
  public static java.util.Map<String, Object> withoutSettings(java.util.Map<String, Object> plan) {
    java.util.Map<String, Object> out = new java.util.LinkedHashMap<>(plan);
    out.remove("settings");
    return out;
  }

  public EvalMetrics metrics(String json) {
    return json == null ? null : read(json, EvalMetrics.class);
  }

  public <T> T read(String json, Class<T> type) {
    try {
      return mapper.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON is not a " + type.getSimpleName(), e);
    }
  }

  public <T> T read(String json, TypeReference<T> type) {
    try {
      return mapper.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON cannot be read", e);
    }
  }
}
