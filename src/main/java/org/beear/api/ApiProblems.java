package org.beear.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.List;
import org.beear.job.FieldProblem;
import org.beear.job.IdempotencyKeyReusedException;
import org.beear.job.InvalidRequestException;
import org.beear.job.JobConflictException;
import org.beear.job.JobNotFoundException;
import org.beear.job.PlanDoesNotFitException;
import org.beear.limits.LimitExceededException;
import org.beear.limits.RequestBodyTooLargeException;
import org.beear.options.InvalidOptionsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error as an RFC 7807 problem: the framework's own (404 route, 405, 415, malformed JSON) through the base
 * class, the service's through the handlers below. Field errors are listed under {@code errors}. Internal
 * failures are logged and answered without details. The {@code @ResponseStatus} marks let springdoc list these
 * problems on every operation.
 */
@RestControllerAdvice
public class ApiProblems extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiProblems.class);

  @ExceptionHandler(InvalidRequestException.class)
  @ResponseStatus(HttpStatus.BAD_REQUEST)
  ProblemDetail invalid(InvalidRequestException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    problem.setTitle("Invalid request");
    problem.setProperty("errors", e.problems());
    return problem;
  }

  @ExceptionHandler({JobNotFoundException.class, ReportNotFoundException.class,
      ApiKeyController.ApiKeyNotFoundException.class})
  @ResponseStatus(HttpStatus.NOT_FOUND)
  ProblemDetail notFound(RuntimeException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    problem.setTitle("Not found");
    return problem;
  }

  @ExceptionHandler(ReportUnavailableException.class)
  @ResponseStatus(HttpStatus.BAD_GATEWAY)
  ProblemDetail reportUnavailable(ReportUnavailableException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_GATEWAY, e.getMessage());
    problem.setTitle("Report unavailable");
    return problem;
  }

  @ExceptionHandler(JobConflictException.class)
  @ResponseStatus(HttpStatus.CONFLICT)
  ProblemDetail conflict(JobConflictException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
    problem.setTitle("Conflict with the job's state");
    return problem;
  }

  @ExceptionHandler(IdempotencyKeyReusedException.class)
  @ResponseStatus(HttpStatus.UNPROCESSABLE_ENTITY)
  ProblemDetail keyReused(IdempotencyKeyReusedException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_ENTITY, e.getMessage());
    problem.setTitle("Idempotency-Key reused");
    return problem;
  }

  @ExceptionHandler(PlanDoesNotFitException.class)
  @ResponseStatus(HttpStatus.UNPROCESSABLE_ENTITY)
  ProblemDetail doesNotFit(PlanDoesNotFitException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_ENTITY, e.getMessage());
    problem.setTitle("Does not fit the workers' device");
    problem.setProperty("plan", e.plan());
    return problem;
  }

  /** A tenant's limit (job creations, queued jobs, event streams): when to try again is in Retry-After. */
  @ExceptionHandler(LimitExceededException.class)
  @ResponseStatus(HttpStatus.TOO_MANY_REQUESTS)
  ResponseEntity<ProblemDetail> limitExceeded(LimitExceededException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, e.getMessage());
    problem.setTitle(e.title());
    problem.setProperty("retry_after_seconds", e.retryAfterSeconds());
    return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
        .header(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()))
        .body(problem);
  }

  @ExceptionHandler(Exception.class)
  @ResponseStatus(HttpStatus.INTERNAL_SERVER_ERROR)
  ProblemDetail unexpected(Exception e) {
    log.error("request failed", e);
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
        "the server failed to handle the request; see its log");
    problem.setTitle("Internal error");
    return problem;
  }

  /** Malformed JSON, unknown fields and wrongly typed values: say which field, never echo parser internals. */
  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
      HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    RequestBodyTooLargeException tooLarge = causeOfType(ex, RequestBodyTooLargeException.class);
    if (tooLarge != null) {
      ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.PAYLOAD_TOO_LARGE, tooLarge.getMessage());
      body.setTitle("Request body too large");
      return handleExceptionInternal(ex, body, headers, HttpStatus.PAYLOAD_TOO_LARGE, request);
    }
    List<FieldProblem> problems = optionProblems(ex);
    FieldProblem problem = problems.isEmpty() ? describe(ex.getCause()) : problems.get(0);
    ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
        problem == null ? "the request body is not valid JSON" : problem.field() + ": " + problem.message());
    body.setTitle("Invalid request");
    body.setProperty("errors", problem == null ? List.of(new FieldProblem("body", "malformed JSON"))
        : problems.isEmpty() ? List.of(problem) : problems);
    return handleExceptionInternal(ex, body, headers, HttpStatus.BAD_REQUEST, request);
  }

  /** Unknown options and values of the wrong type, every one on its field ({@code options.anchor_layer}). */
  private static List<FieldProblem> optionProblems(HttpMessageNotReadableException ex) {
    InvalidOptionsException invalid = causeOfType(ex, InvalidOptionsException.class);
    JsonMappingException where = causeOfType(ex, JsonMappingException.class);
    if (invalid == null || where == null) {
      return List.of();
    }
    String prefix = path(where);
    return invalid.problems().stream().map(p -> new FieldProblem(prefix + "." + p.option(), p.message())).toList();
  }

  /** A query parameter or path variable of the wrong type ({@code ?page=abc}, a page past the largest int). */
  @Override
  protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException ex, HttpHeaders headers,
      HttpStatusCode status, WebRequest request) {
    String field = ex.getPropertyName() == null ? "request" : ex.getPropertyName();
    Class<?> type = ex.getRequiredType();
    String expected = type == int.class || type == Integer.class ? "a whole number up to " + Integer.MAX_VALUE
        : "a valid " + (type == null ? "value" : type.getSimpleName().toLowerCase(java.util.Locale.ROOT));
    FieldProblem problem = new FieldProblem(field, "must be " + expected + ", got '" + ex.getValue() + "'");
    ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
        problem.field() + ": " + problem.message());
    body.setTitle("Invalid request");
    body.setProperty("errors", List.of(problem));
    return handleExceptionInternal(ex, body, headers, HttpStatus.BAD_REQUEST, request);
  }

  private static <T extends Throwable> T causeOfType(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static FieldProblem describe(Throwable cause) {
    if (cause instanceof UnrecognizedPropertyException e) {
      String where = path(e);
      return new FieldProblem(where, "unknown field '" + e.getPropertyName() + "'"
          + (e.getKnownPropertyIds() == null ? "" : "; known: " + e.getKnownPropertyIds()));
    }
    if (cause instanceof InvalidFormatException e) {
      return new FieldProblem(path(e), "'" + e.getValue() + "' is not a valid "
          + e.getTargetType().getSimpleName().toLowerCase(java.util.Locale.ROOT));
    }
    if (cause instanceof MismatchedInputException e && !e.getPath().isEmpty()) {
      return new FieldProblem(path(e), "has the wrong type"
          + (e.getTargetType() == null ? "" : "; expected " + e.getTargetType().getSimpleName()));
    }
    if (cause instanceof JsonMappingException e && !e.getPath().isEmpty()) {
      return new FieldProblem(path(e), "is invalid");
    }
    if (cause instanceof JsonProcessingException e && e.getLocation() != null) {
      return new FieldProblem("body", "malformed JSON at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr());
    }
    return null;
  }

  /** options.alpha, evaluation.triggers[0].position, ... */
  private static String path(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    List<JsonMappingException.Reference> refs = e.getPath();
    for (int i = 0; i < refs.size(); i++) {
      JsonMappingException.Reference ref = refs.get(i);
      if (ref.getFieldName() != null) {
        if (!path.isEmpty()) {
          path.append('.');
        }
        path.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.isEmpty() ? "body" : path.toString();
  }
}
