package org.beear.job;

import java.util.Map;

/** A job whose memory plan does not fit the workers' device, and that did not ask for fitted settings. */
public class PlanDoesNotFitException extends RuntimeException {
  private final transient Map<String, Object> plan;

  public PlanDoesNotFitException(String verdict, Map<String, Object> plan) {
    super(verdict + "; submit with options.fit = true to let the planner choose memory settings that fit");
    this.plan = plan;
  }

  public Map<String, Object> plan() {
    return plan;
  }
}
