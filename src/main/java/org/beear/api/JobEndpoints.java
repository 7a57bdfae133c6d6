package org.beear.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.beear.job.FieldProblem;
import org.beear.job.InvalidRequestException;
import org.beear.job.Job;
import org.beear.job.JobJson;
import org.beear.job.JobKind;
import org.beear.job.JobService;
import org.beear.job.JobStatus;
import org.beear.job.JobSubmissions;
import org.beear.security.Callers;
import org.springframework.data.domain.Page;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * What every kind of job answers, under its own path ({@code /api/v1/cleanse-jobs}, {@code /api/v1/scan-jobs}):
 * list, get, cancel, events and their stream. A job of another kind, like another tenant's, is not found there.
 */
abstract class JobEndpoints {

  static final String IDEMPOTENT_REPLAY_HEADER = "Idempotent-Replayed";

  protected final JobService jobs;
  protected final JobJson json;
  protected final ObjectMapper mapper;
  protected final Callers callers;
  private final JobEventStream eventStream;
  private final JobKind kind;
  private final String path;

  JobEndpoints(JobKind kind, String path, JobService jobs, JobJson json, ObjectMapper mapper,
      JobEventStream eventStream, Callers callers) {
    this.kind = kind;
    this.path = path;
    this.jobs = jobs;
    this.json = json;
    this.mapper = mapper;
    this.eventStream = eventStream;
    this.callers = callers;
  }

  /** 201 with the new job, or 200 marked as a replay when an Idempotency-Key returned an earlier one. */
  protected ResponseEntity<JobView> created(JobSubmissions.Submitted submitted) {
    JobView view = JobView.of(submitted.job(), json);
    URI location = URI.create(path + "/" + view.id());
    if (submitted.created()) {
      return ResponseEntity.created(location).body(view);
    }
    return ResponseEntity.ok().location(location).header(IDEMPOTENT_REPLAY_HEADER, "true").body(view);
  }

  /** The Idempotency-Key header, trimmed; null when absent or blank. */
  protected static String idempotencyKey(String header) {
    return header == null || header.isBlank() ? null : header.trim();
  }

  /** The caller's job of this kind. */
  protected Job job(String id) {
    return jobs.get(callers.tenant(), kind, id);
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
    } else if ((long) page * size > Integer.MAX_VALUE) {
      // the database is asked for rows from page * size on, which must be an int
      problems.add(new FieldProblem("page", "must be at most " + Integer.MAX_VALUE / size + " with size " + size
          + ", got " + page));
    }
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    Page<Job> result = jobs.list(callers.tenant(), kind, filter, page, size);
    return new JobPageView(result.getContent().stream().map(j -> JobView.of(j, json)).toList(), page, size,
        result.getTotalElements(), result.hasNext());
  }

  @Operation(summary = "Get a job: status, progress, ETA, results, error")
  @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
  public JobView get(@PathVariable String id) {
    return JobView.of(job(id), json);
  }

  @Operation(summary = "Cancel a job",
      description = "A queued job is cancelled at once (200); a running one stops within one step (202, "
          + "cancel_requested true). A finished job answers 409. Events are kept.")
  @ApiResponse(responseCode = "200", description = "cancelled")
  @ApiResponse(responseCode = "202", description = "cancel requested; the running job stops after its step")
  @PostMapping(path = "/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<JobView> cancel(@PathVariable String id) {
    JobService.Cancellation c = jobs.cancel(callers.tenant(), kind, id);
    HttpStatus status = c.requested() ? HttpStatus.ACCEPTED : HttpStatus.OK;
    return ResponseEntity.status(status).body(JobView.of(c.job(), json));
  }

  @Operation(summary = "The job's event log (state changes, engine events, epochs or scan budgets, errors)")
  @GetMapping(path = "/{id}/events", produces = MediaType.APPLICATION_JSON_VALUE)
  public List<EventView> events(@PathVariable String id) {
    return jobs.events(callers.tenant(), kind, id).stream().map(e -> EventView.of(e, mapper)).toList();
  }

  @Operation(summary = "Stream the job's events (server-sent events)",
      description = "Sends the events so far, then new ones as they happen; completes when the job ends. "
          + "Each SSE message has the event id, its type as the event name, and the event as JSON data. "
          + "Reconnect with Last-Event-ID to continue where the stream stopped. A tenant may have "
          + "beear.limits.max-event-streams-per-tenant streams open at once (8 by default).")
  @ApiResponse(responseCode = "200", description = "OK")
  @ApiResponse(responseCode = "429", description = "the tenant already has as many event streams open as it may",
      content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
          schema = @Schema(implementation = ProblemDetail.class)))
  @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  public SseEmitter streamEvents(@PathVariable String id,
      @RequestHeader(name = "Last-Event-ID", required = false) Long lastEventId) {
    return eventStream.open(job(id), lastEventId == null ? 0 : lastEventId);
  }
}
