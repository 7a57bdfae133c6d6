package org.beear.beear.scan;

import org.beear.beear.data.BehaviourFamily;

/** What a running scan tells its caller; called on the scanning thread, implementations must be quick. */
public interface ScanListener {

  /** A phase started or finished, or something worth a line in a log. */
  default void event(String type, String message) {}

  /**
   * One budget of a sweep finished. {@code model} is "suspect" or "reference"; progress is 0..1 of all the sweeps'
   * budgets.
   */
  default void budget(String model, BehaviourFamily family, BudgetRow row, double progress) {}

  /** Polled between budgets: true stops the scan with {@link ScanCancelledException}. */
  default boolean cancelRequested() {
    return false;
  }

  ScanListener NONE = new ScanListener() {};
}
