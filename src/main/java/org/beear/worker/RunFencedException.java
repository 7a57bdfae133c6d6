package org.beear.worker;

import org.beear.beear.loop.CleanseCancelledException;

/**
 * A run that was fenced off (its worker halted, or another claim holds its job now) tried one more step: it stops
 * the engine there, and the run writes nothing more. A {@link CleanseCancelledException}, so the engine stops as it
 * does for a cancel, and the run ends as its {@link RunStop} says.
 */
final class RunFencedException extends CleanseCancelledException {

  RunFencedException(String message) {
    super(message);
  }
}
