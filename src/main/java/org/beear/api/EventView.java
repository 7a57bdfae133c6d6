package org.beear.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import org.beear.job.JobEvent;

/** One entry of a job's event log. */
@Schema(name = "CleanseJobEvent")
public record EventView(
    long id,
    Instant createdAt,
    @Schema(description = "status, baseline, epoch, error, info, or an engine event type") String type,
    String message,
    @Schema(description = "details, e.g. an epoch's losses and metrics") JsonNode data) {

  static EventView of(JobEvent event, ObjectMapper mapper) {
    JsonNode data = null;
    if (event.getData() != null) {
      try {
        data = mapper.readTree(event.getData());
      } catch (java.io.IOException e) {
        throw new IllegalStateException("stored event data is not JSON", e);
      }
    }
    return new EventView(event.getId(), event.getCreatedAt(), event.getType(), event.getMessage(), data);
  }
}
