package org.beear.limits;

import java.io.IOException;

/**
 * A request body grew past {@code beear.limits.max-request-body} while it was read. An {@link IOException}, so that
 * whatever was reading the body (the JSON converter) stops and reports it as a failure to read.
 */
public class RequestBodyTooLargeException extends IOException {

  public RequestBodyTooLargeException(String message) {
    super(message);
  }
}
