package org.beear.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Map;
import org.beear.beear.settings.BeearOptions;
import org.beear.job.FieldProblem;
import org.beear.job.InvalidRequestException;
import org.beear.job.JobService;
import org.beear.plan.DeviceSpec;
import org.beear.security.Callers;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Memory plans: what a cleanse of a model with given options needs, before anything is submitted or loaded. */
@RestController
@RequestMapping("/api/v1/plans")
@Tag(name = "plans")
public class PlanController {

  private final JobService jobs;
  private final ObjectMapper mapper;
  private final Callers callers;

  public PlanController(JobService jobs, ObjectMapper mapper, Callers callers) {
    this.jobs = jobs;
    this.mapper = mapper;
    this.callers = callers;
  }

  /** Body of {@code POST /api/v1/plans}. */
  @Schema(name = "PlanRequest")
  public record PlanRequest(
      @Schema(description = "a file:// model directory the caller may submit (its config.json is read; no weights)")
      String modelUri,
      @Schema(description = "or the model's config.json itself") JsonNode config,
      @Schema(ref = "#/components/schemas/" + OptionSchemas.CLEANSE,
          description = "cleanse options, as for a job; fit: true returns the memory settings that fit")
      BeearOptions options,
      @Schema(description = "cpu or cuda; default: the workers' device", allowableValues = {"cpu", "cuda"})
      String device,
      @Schema(description = "memory of that device, e.g. 80GiB; default: the workers'", example = "80GiB")
      String deviceMemory) {}

  @Operation(summary = "Plan a cleanse's memory",
      description = "Resolves the options against the model's config.json (from a file:// model, or given inline)"
          + " and answers the bytes of each part (weights, master copies, gradients, optimiser state, activations,"
          + " entrapment cache, generation), each phase's peak, the runtime and margin, and whether it fits the"
          + " device: the workers' unless device and device_memory are given. With options.fit the settings are the"
          + " ones the planner chose to fit. The same plan runs when a job is submitted.")
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
  public Map<String, Object> plan(@RequestBody PlanRequest request) {
    if (request == null) {
      throw new InvalidRequestException(List.of(new FieldProblem("body", "a JSON object is required")));
    }
    BeearOptions options = request.options() == null ? BeearOptions.defaults() : request.options();
    DeviceSpec device = null;
    if (request.deviceMemory() != null || request.device() != null) {
      if (request.deviceMemory() == null || request.device() == null) {
        throw new InvalidRequestException(List.of(new FieldProblem("device_memory",
            "device and device_memory go together; leave both out to plan for the workers' device")));
      }
      try {
        device = new DeviceSpec(request.device().equals("gpu") ? "cuda" : request.device(),
            DeviceSpec.parseSize(request.deviceMemory()));
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException(List.of(new FieldProblem("device", e.getMessage())));
      }
    }
    String config = null;
    if (request.config() != null) {
      try {
        config = mapper.writeValueAsString(request.config());
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new InvalidRequestException(List.of(new FieldProblem("config", "is not a JSON object")));
      }
    }
    return jobs.plan(callers.tenant(), request.modelUri(), config, options, device).describe();
  }
}
