package org.beear.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.beear.job.CleanseJob;
import org.beear.job.FieldProblem;
import org.beear.job.InvalidRequestException;
import org.beear.job.JobJson;
import org.beear.job.JobService;
import org.beear.job.JobStatus;
import org.beear.security.Callers;
import org.beear.source.OutputSink;
import org.beear.source.SourceException;
import org.springframework.data.domain.Page;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** Cleanse jobs, in the style of OpenAI fine-tuning jobs: create, poll, list, cancel, events, results. */
@RestController
@RequestMapping("/api/v1/cleanse-jobs")
@Tag(name = "cleanse-jobs", description = "Jobs belong to the caller's tenant; other tenants' jobs answer 404.")
public class CleanseJobController {

  static final String IDEMPOTENT_REPLAY_HEADER = "Idempotent-Replayed";

  private final JobService jobs;
  private final JobJson json;
  private final ObjectMapper mapper;
  private final JobEventStream eventStream;
  private final ReportPage reportPage;
  private final Callers callers;
  private final OutputSink outputs;

  public CleanseJobController(JobService jobs, JobJson json, ObjectMapper mapper, JobEventStream eventStream,
      ReportPage reportPage, Callers callers, OutputSink outputs) {
    this.jobs = jobs;
    this.outputs = outputs;
    this.json = json;
    this.mapper = mapper;
    this.eventStream = eventStream;
    this.reportPage = reportPage;
    this.callers = callers;
  }

  @Operation(summary = "Submit a cleanse job",
      description = "Validates the request and queues the job; never waits for training. A file:// model is planned "
          + "at once against the workers' device (see /api/v1/plans): a job that does not fit is refused with 422 "
          + "and the plan, unless options.fit asks the planner to choose memory settings that fit; other models are "
          + "planned by the worker before it loads them. With an Idempotency-Key, a retry of the same request "
          + "returns the same job (200, Idempotent-Replayed: true); the same key with a different body is refused "
          + "with 422. Keys are scoped to the caller's tenant and expire after beear.security.idempotency-ttl "
          + "(24 h by default). A replay is never refused for the tenant's limits: it creates nothing.")
  @ApiResponse(responseCode = "201", description = "queued")
  @ApiResponse(responseCode = "422", description = "does not fit the workers' device (the plan is in the problem), "
      + "or an Idempotency-Key reused with another body")
  @ApiResponse(responseCode = "200", description = "idempotent replay of an earlier request")
  @ApiResponse(responseCode = "413", description = "request body larger than beear.limits.max-request-body (1 MiB)",
      content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
          schema = @Schema(implementation = ProblemDetail.class)))
  @ApiResponse(responseCode = "429", description = "the tenant's job creation rate or queued-jobs limit is reached; "
      + "Retry-After says when to try again. Nothing is created and the Idempotency-Key stays unused",
      content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
          schema = @Schema(implementation = ProblemDetail.class)))
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<JobView> create(@RequestBody CreateCleanseJobRequest request,
      @Parameter(description = "makes retries safe: same key and body, same job")
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
    if (request == null) {
      throw new InvalidRequestException(List.of(new FieldProblem("body", "a JSON object is required")));
    }
    String key = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey.trim();
    JobService.Submitted submitted = jobs.submit(callers.tenant(), request.toSubmission(), key);
    JobView view = JobView.of(submitted.job(), json);
    URI location = URI.create("/api/v1/cleanse-jobs/" + view.id());
    if (submitted.created()) {
      return ResponseEntity.created(location).body(view);
    }
    return ResponseEntity.ok().location(location).header(IDEMPOTENT_REPLAY_HEADER, "true").body(view);
  }

  @Operation(summary = "List jobs, newest first")
  @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
  public JobPageView list(
      @Parameter(schema = @Schema(allowableValues = {"queued", "running", "succeeded", "failed", "cancelled"}))
      @RequestParam(required = false) String status,
      @RequestParam(defaultValue = "0") int page,
      @RequestParam(defaultValue = "20") int size) {
    List<FieldProblem> problems = new ArrayList<>();
    JobStatus filter = null;
    if (status != null && !status.isBlank()) {
      try {
        filter = JobStatus.fromWireName(status.trim());
      } catch (IllegalArgumentException e) {
        problems.add(new FieldProblem("status", e.getMessage()));
      }
    }
    if (page < 0) {
      problems.add(new FieldProblem("page", "must be 0 or more, got " + page));
    }
    if (size < 1 || size > 100) {
      problems.add(new FieldProblem("size", "must be between 1 and 100, got " + size));
    }
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    Page<CleanseJob> result = jobs.list(callers.tenant(), filter, page, size);
    return new JobPageView(result.getContent().stream().map(j -> JobView.of(j, json)).toList(), page, size,
        result.getTotalElements(), result.hasNext());
  }

  @Operation(summary = "Get a job: status, progress, ETA, metrics before and after, error, output")
  @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
  public JobView get(@PathVariable String id) {
    return JobView.of(jobs.get(callers.tenant(), id), json);
  }

  @Operation(summary = "Cancel a job",
      description = "A queued job is cancelled at once (200); a running one stops within one step (202, "
          + "cancel_requested true). A finished job answers 409. Events are kept.")
  @ApiResponse(responseCode = "200", description = "cancelled")
  @ApiResponse(responseCode = "202", description = "cancel requested; the running job stops after its step")
  @PostMapping(path = "/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<JobView> cancel(@PathVariable String id) {
    JobService.Cancellation c = jobs.cancel(callers.tenant(), id);
    HttpStatus status = c.requested() ? HttpStatus.ACCEPTED : HttpStatus.OK;
    return ResponseEntity.status(status).body(JobView.of(c.job(), json));
  }

  @Operation(summary = "The job's event log (state changes, engine events, epochs, errors)")
  @GetMapping(path = "/{id}/events", produces = MediaType.APPLICATION_JSON_VALUE)
  public List<EventView> events(@PathVariable String id) {
    return jobs.events(callers.tenant(), id).stream().map(e -> EventView.of(e, mapper)).toList();
  }

  @Operation(summary = "Stream the job's events (server-sent events)",
      description = "Sends the events so far, then new ones as they happen; completes when the job ends. "
          + "Each SSE message has the event id, its type as the event name, and the event as JSON data. "
          + "Reconnect with Last-Event-ID to continue where the stream stopped. A tenant may have "
          + "beear.limits.max-event-streams-per-tenant streams open at once (8 by default).")
  @ApiResponse(responseCode = "429", description = "the tenant already has as many event streams open as it may",
      content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
          schema = @Schema(implementation = ProblemDetail.class)))
  @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  public SseEmitter streamEvents(@PathVariable String id,
      @RequestHeader(name = "Last-Event-ID", required = false) Long lastEventId) {
    return eventStream.open(jobs.get(callers.tenant(), id), lastEventId == null ? 0 : lastEventId);
  }

  @Operation(summary = "The engine's report.json of a succeeded job")
  @GetMapping(path = "/{id}/report", produces = MediaType.APPLICATION_JSON_VALUE)
  public JsonNode report(@PathVariable String id) {
    CleanseJob job = jobs.get(callers.tenant(), id);
    if (job.getStatus() != JobStatus.SUCCEEDED) {
      throw new ReportNotFoundException("job " + id + " is " + job.getStatus().wireName()
          + "; its report exists once it has succeeded");
    }
    String report;
    try {
      report = outputs.report(job.getOutputUri()).orElseThrow(() -> new ReportNotFoundException(
          "the report of job " + id + " is missing from its output location"));
    } catch (SourceException e) {
      throw new ReportUnavailableException("job " + id + ": " + e.getMessage());
    }
    try {
      return mapper.readTree(report);
    } catch (IOException e) {
      throw new ReportUnavailableException("the report of job " + id + " is not valid JSON");
    }
  }

  @Operation(summary = "A self-contained, printable HTML report: a verdict, before/after, per-epoch ASR (from the "
      + "baseline at epoch 0) and loss plots (inline SVG), settings, timings and provenance")
  @GetMapping(path = "/{id}/report.html", produces = MediaType.TEXT_HTML_VALUE)
  public String reportHtml(@PathVariable String id) {
    CleanseJob job = jobs.get(callers.tenant(), id);
    JobView view = JobView.of(job, json);
    // The page also gets the job as the API serialises it, for sections the view may carry (provenance).
    return reportPage.render(view, mapper.valueToTree(view), jobs.epochs(job.getId()));
  }
}
