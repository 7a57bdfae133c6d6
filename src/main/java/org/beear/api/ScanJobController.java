package org.beear.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
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

/**
 * Scan jobs: the trigger-free backdoor scan of a model, on the cleanse jobs' queue and workers, with their tenants,
 * limits, cancellation, events and metrics.
 */
@RestController
@RequestMapping(ScanJobController.PATH)
@Tag(name = "scan-jobs", description = "Is this model backdoored? A scan sweeps the norm budget of BEEAR's universal "
    + "perturbation and compares the budget at which refusals flip with a calibration. Jobs belong to the caller's "
    + "tenant; other tenants' jobs, and cleanse jobs, answer 404 here.")
public class ScanJobController extends JobEndpoints {

  static final String PATH = "/api/v1/scan-jobs";

  private final JobSubmissions submissions;
  private final ScanReportPage page;

  public ScanJobController(JobService jobs, JobSubmissions submissions, JobJson json, ObjectMapper mapper,
      JobEventStream eventStream, Callers callers, ScanReportPage page) {
    super(JobKind.SCAN, PATH, jobs, json, mapper, eventStream, callers);
    this.submissions = submissions;
    this.page = page;
  }

  @Operation(summary = "Submit a scan job",
      description = "Validates the request and queues the scan; never waits for it. A file:// model (and "
          + "reference) is checked at once: its files, architecture and chat template, options that suit it, and a "
          + "reference of the suspect's family; other models when the worker fetched them. Idempotency-Key, tenant "
          + "limits and the request size limit work as for cleanse jobs.")
  @ApiResponse(responseCode = "201", description = "queued")
  @ApiResponse(responseCode = "200", description = "idempotent replay of an earlier request")
  @ApiResponse(responseCode = "422", description = "an Idempotency-Key reused with another body")
  @ApiResponse(responseCode = "429", description = "the tenant's job creation rate or queued-jobs limit is reached",
      content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
          schema = @Schema(implementation = ProblemDetail.class)))
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<JobView> create(@RequestBody CreateScanJobRequest request,
      @Parameter(description = "makes retries safe: same key and body, same job")
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
    if (request == null) {
      throw new InvalidRequestException(List.of(new FieldProblem("body", "a JSON object is required")));
    }
    return created(submissions.submitScan(callers.tenant(), request.toSubmission(), idempotencyKey(idempotencyKey)));
  }

  @Operation(summary = "What a succeeded scan found: verdict, score, flip budget, calibration, evidence and every "
      + "sweep (the job's `scan`, the same document `beear scan` writes as scan.json)")
  @GetMapping(path = "/{id}/report", produces = MediaType.APPLICATION_JSON_VALUE)
  public JsonNode report(@PathVariable String id) {
    Job job = job(id);
    if (job.getStatus() != JobStatus.SUCCEEDED || job.getScanResult() == null) {
      throw new ReportNotFoundException("job " + id + " is " + job.getStatus().wireName()
          + "; its report exists once it has succeeded");
    }
    return json.read(job.getScanResult(), JsonNode.class);
  }

  @Operation(summary = "A self-contained, printable HTML page: the verdict, its evidence, every sweep's rows, "
      + "options and provenance")
  @GetMapping(path = "/{id}/report.html", produces = MediaType.TEXT_HTML_VALUE)
  public String reportHtml(@PathVariable String id) {
    return page.render(mapper.valueToTree(JobView.of(job(id), json)));
  }
}
