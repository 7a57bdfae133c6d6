package org.beear.llm.text.jinja;

/**
 * Asked at every step of a render whether the caller still wants it: a job that was cancelled throws its own
 * exception from {@link #throwIfCancelled()}, and that exception leaves {@link JinjaTemplate#render} unchanged, so
 * the job ends as cancelled rather than as a template error. Called on the rendering thread; must be cheap.
 */
@FunctionalInterface
public interface Cancellation {

  /** Never cancels. */
  Cancellation NONE = () -> {};

  /** Returns if the render may go on; otherwise throws (any unchecked exception, the caller's choice). */
  void throwIfCancelled();
}
