package org.beear.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.List;
import java.util.function.Function;
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
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error as an RFC 7807 problem: the framework's own (404 route, 405, 415, malformed JSON) through the base
 * class, the service's through {@link #PROBLEMS}, one line each: the exception, its status, its title and what the
 * problem carries beyond the exception's message. Field errors are listed under {@code errors}. Internal failures
 * are logged and answered without details. {@link ProblemResponses} lists the same statuses on every operation of
 * the API documentation.
 */
@RestControllerAdvice
public class ApiProblems extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiProblems.class);
  /** The title of every 400: the service's field checks and the framework's unreadable bodies and parameters. */
  private static final String INVALID_REQUEST = "Invalid request";

  /**
   * How one type of exception is answered: its status, its title and what it adds to the problem (properties) and
   * to the response (headers).
   */
  record Problem<E extends Exception>(Class<E> type, HttpStatus status, Function<E, String> title,
      Details<E> details) {

    static <E extends Exception> Problem<E> of(Class<E> type, HttpStatus status, String title) {
      return new Problem<>(type, status, e -> title, (e, problem, headers) -> {});
    }

    static <E extends Exception> Problem<E> of(Class<E> type, HttpStatus status, String title, Details<E> details) {
      return new Problem<>(type, status, e -> title, details);
    }

    ResponseEntity<ProblemDetail> answer(Exception e) {
      E cast = type.cast(e);
      ProblemDetail body = problem(status, title.apply(cast), e.getMessage());
      HttpHeaders headers = new HttpHeaders();
      details.add(cast, body, headers);
      return ResponseEntity.status(status).headers(headers).body(body);
    }
  }

  /** What an exception adds to its problem and to the response's headers. */
  interface Details<E> {
    void add(E exception, ProblemDetail problem, HttpHeaders headers);
  }

  /** The service's problems; the first whose type the exception is answers it. */
  static final List<Problem<?>> PROBLEMS = List.of(
      Problem.of(InvalidRequestException.class, HttpStatus.BAD_REQUEST, INVALID_REQUEST,
          (e, problem, headers) -> problem.setProperty("errors", e.problems())),
      Problem.of(JobNotFoundException.class, HttpStatus.NOT_FOUND, "Not found"),
      Problem.of(ReportNotFoundException.class, HttpStatus.NOT_FOUND, "Not found"),
      Problem.of(ApiKeyController.ApiKeyNotFoundException.class, HttpStatus.NOT_FOUND, "Not found"),
      Problem.of(ReportUnavailableException.class, HttpStatus.BAD_GATEWAY, "Report unavailable"),
      Problem.of(JobConflictException.class, HttpStatus.CONFLICT, "Conflict with the job's state"),
      Problem.of(IdempotencyKeyReusedException.class, HttpStatus.UNPROCESSABLE_ENTITY, "Idempotency-Key reused"),
      Problem.of(PlanDoesNotFitException.class, HttpStatus.UNPROCESSABLE_ENTITY, "Does not fit the workers' device",
          (e, problem, headers) -> problem.setProperty("plan", e.plan())),
      // a tenant's limit (job creations, queued jobs, event streams), titled by the limit: when to try again
      new Problem<>(LimitExceededException.class, HttpStatus.TOO_MANY_REQUESTS, LimitExceededException::title,
          (e, problem, headers) -> {
            problem.setProperty("retry_after_seconds", e.retryAfterSeconds());
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
          }));

  /** Any other failure is internal: logged, and answered without its details. */
  static final HttpStatus UNEXPECTED = HttpStatus.INTERNAL_SERVER_ERROR;

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> handle(Exception e) {
    for (Problem<?> p : PROBLEMS) {
      if (p.type().isInstance(e)) {
        return p.answer(e);
      }
    }
    log.error("request failed", e);
    return ResponseEntity.status(UNEXPECTED)
        .body(problem(UNEXPECTED, "Internal error", "the server failed to handle the request; see its log"));
  }

  private static ProblemDetail problem(HttpStatus status, String title, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setTitle(title);
    return problem;
  }

  /** Malformed JSON, unknown fields and wrongly typed values: say which field, never echo parser internals. */
  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
      HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    RequestBodyTooLargeException tooLarge = causeOfType(ex, RequestBodyTooLargeException.class);
    if (tooLarge != null) {
      ProblemDetail body = problem(HttpStatus.PAYLOAD_TOO_LARGE, "Request body too large", tooLarge.getMessage());
      return handleExceptionInternal(ex, body, headers, HttpStatus.PAYLOAD_TOO_LARGE, request);
    }
    List<FieldProblem> problems = optionProblems(ex);
    FieldProblem problem = problems.isEmpty() ? describe(ex.getCause()) : problems.get(0);
    ProblemDetail body = problem(HttpStatus.BAD_REQUEST, INVALID_REQUEST,
        problem == null ? "the request body is not valid JSON" : problem.field() + ": " + problem.message());
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
    ProblemDetail body = problem(HttpStatus.BAD_REQUEST, INVALID_REQUEST, problem.field() + ": " + problem.message());
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
