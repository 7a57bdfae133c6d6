package org.beear.source;

/**
 * A {@code file://} URI refused: malformed, not found or not allowed to the caller, or naming files a job may not
 * read or write. The message starts with the URI as the caller sent it (redacted) and never shows a path of the
 * service's own beyond it; the caller adds the field.
 */
public class FileUriException extends SourceException {
  public FileUriException(String message) {
    super(message);
  }
}
