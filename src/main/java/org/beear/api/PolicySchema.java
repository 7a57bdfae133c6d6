package org.beear.api;

/** The OpenAPI words for a job's {@code policy}, the same on cleanse and scan jobs. */
final class PolicySchema {
  private PolicySchema() {}

  static final String DESCRIPTION = "A release gate checked when the job succeeds, in the keys of a --policy file: "
      + "min_trials, not_measured (inconclusive|skip), max_triggered_asr, max_perturbation_asr, "
      + "max_over_refusal_rise, min_utility_ratio, max_relearned_asr (numbers 0..1), scan_not_backdoored (boolean). "
      + "Checked at submission: a bad key or value is a 400 on policy.KEY. The outcome is the job's policy_outcome.";
  static final String EXAMPLE = "{\"min_trials\": 100, \"max_triggered_asr\": 0.05, \"min_utility_ratio\": 0.9}";
}
