package org.beear.beear;

import java.nio.file.Path;

/**
 * The one door from the service (and the CLI) into BEEAR. Implementations know tensors; callers do not.
 * Only one cleanse may run per JVM at a time (DJL allows one gradient collector per process).
 */
public interface CleanseEngine {

  /**
   * Checks that a model directory can be cleansed (files present, supported architecture, a chat template)
   * without loading its weights. Throws {@link IllegalArgumentException} with a user-facing message otherwise.
   */
  void validateModel(Path modelDir);

  /**
   * Runs the cleanse to the end. Resumes from a checkpoint in {@code request.workDir()} if one is there.
   *
   * @throws CleanseCancelledException if the listener asked to stop
   * @throws IllegalArgumentException  for bad input (unsupported model, unreadable data)
   */
  CleanseResult cleanse(CleanseRequest request, CleanseListener listener);
}
