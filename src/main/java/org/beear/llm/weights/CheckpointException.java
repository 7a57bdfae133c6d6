package org.beear.llm.weights;

import java.nio.file.Path;

/** A checkpoint could not be read or written; the message names the file and the problem. */
public class CheckpointException extends RuntimeException {

  private final transient Path file;

  public CheckpointException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  public CheckpointException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"), cause);
    this.file = file;
  }

  /** The file (or directory) the problem was found in. */
  public Path file() {
    return file;
  }
}
