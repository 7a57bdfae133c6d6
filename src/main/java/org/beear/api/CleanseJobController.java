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
import java.util.List;
import org.beear.attest.CleansePredicate;
import org.beear.job.FieldProblem;
import org.beear.job.InvalidRequestException;
import org.beear.job.Job;
import org.beear.job.JobJson;
import org.beear.job.JobKind;
import org.beear.job.JobService;
import org.beear.job.JobStatus;
import org.beear.job.JobSubmissions;
import org.beear.security.Callers;
import org.beear.source.OutputSink;
import org.beear.source.SourceException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Cleanse jobs, in the style of OpenAI fine-tuning jobs: create, poll, list, cancel, events, results. */
@RestController
@RequestMapping(CleanseJobController.PATH)
@Tag(name = "cleanse-jobs", description = "Jobs belong to the caller's tenant; other tenants' jobs answer 404.")
public class CleanseJobController extends JobEndpoints {

  static final String PATH = "/api/v1/cleanse-jobs";

  private final JobSubmissions submissions;
  private final ReportPage reportPage;
  private final OutputSink outputs;

  public CleanseJobController(JobService jobs, JobSubmissions submissions, JobJson json, ObjectMapper mapper,
      JobEventStream eventStream, ReportPage reportPage, Callers callers, OutputSink outputs) {
    super(JobKind.CLEANSE, PATH, jobs, json, mapper, eventStream, callers);
    this.submissions = submissions;
    this.reportPage = reportPage;
    this.outputs = outputs;
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
    return created(submissions.submit(callers.tenant(), request.toSubmission(), idempotencyKey(idempotencyKey)));
  }

  @Operation(summary = "The engine's report.json of a succeeded job")
  @GetMapping(path = "/{id}/report", produces = MediaType.APPLICATION_JSON_VALUE)
  public JsonNode report(@PathVariable String id) {
    Job job = job(id);
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

  @Operation(summary = "The signed attestation of a succeeded job's cleansed model",
      description = "A DSSE envelope (payloadType application/vnd.in-toto+json) holding an in-toto Statement v1: "
          + "the cleansed model's files with their SHA-256 digests as subjects, and a predicate of type "
          + CleansePredicate.TYPE + " with the source, settings, seed, data, judge and ASR before and after. "
          + "Signed with the service's Ed25519 key, whose public key is GET /api/v1/attestation-key; check it with "
          + "beear verify --attestation FILE --model DIR --public-key FILE.")
  @ApiResponse(responseCode = "200", description = "the envelope")
  @ApiResponse(responseCode = "404", description = "no such job, or it has not succeeded, or its output holds no "
      + "attestation", content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
          schema = @Schema(implementation = ProblemDetail.class)))
  @GetMapping(path = "/{id}/attestation", produces = MediaType.APPLICATION_JSON_VALUE)
  public JsonNode attestation(@PathVariable String id) {
    Job job = job(id);
    if (job.getStatus() != JobStatus.SUCCEEDED) {
      throw new ReportNotFoundException("job " + id + " is " + job.getStatus().wireName()
          + "; its attestation exists once it has succeeded");
    }
    String envelope;
    try {
      envelope = outputs.attestation(job.getOutputUri()).orElseThrow(() -> new ReportNotFoundException(
          "the attestation of job " + id + " is missing from its output location"));
    } catch (SourceException e) {
      throw new ReportUnavailableException("job " + id + ": " + e.getMessage());
    }
    try {
      return mapper.readTree(envelope);
    } catch (IOException e) {
      throw new ReportUnavailableException("the attestation of job " + id + " is not valid JSON");
    }
  }

  @Operation(summary = "A self-contained, printable HTML report: a verdict, before/after, per-epoch ASR (from the "
      + "baseline at epoch 0) and loss plots (inline SVG), settings, timings and provenance")
  @GetMapping(path = "/{id}/report.html", produces = MediaType.TEXT_HTML_VALUE)
  public String reportHtml(@PathVariable String id) {
    Job job = job(id);
    JobView view = JobView.of(job, json);
    // The page also gets the job as the API serialises it, for sections the view may carry (provenance).
    return reportPage.render(view, mapper.valueToTree(view), jobs.epochs(job.getId()));
  }
}
