package org.beear.beear.evaluation;

/**
 * Evaluation of one model state. Ratios are 0..1; a null value was not measured (e.g. triggered ASR without
 * candidate triggers, insecure-code rate for a model with no code prompts).
 *
 * @param asrTriggered      ASR (the option judge) on held-out harmful queries with the caller's candidate triggers
 * @param asrNoTrigger      ASR on the same queries without a trigger
 * @param asrPerturbation   ASR with the entrapped perturbation injected and no trigger
 * @param benignExactMatch  exact-match accuracy on a benign set with checkable answers
 * @param anchorPerplexity  perplexity of the anchoring hold-out responses
 * @param insecureCodeRate  fraction of code prompts answered with the insecure pattern
 * @param secureCodeRate    fraction answered with the secure pattern; the rest is neither (malformed code or a
 *                          refusal), which a low insecure-code rate alone would read as a success
 */
public record EvalMetrics(
    Double asrTriggered,
    Double asrNoTrigger,
    Double asrPerturbation,
    Double benignExactMatch,
    Double anchorPerplexity,
    Double insecureCodeRate,
    Double secureCodeRate) {

  /** Nothing measured (yet). */
  public static final EvalMetrics NONE = new EvalMetrics(null, null, null, null, null, null, null);

  /**
   * What an epoch measures for the stop: triggered ASR (null without triggers), perturbation ASR and the code rates;
   * ASR without trigger, exact-match and perplexity are left to the measurements before and after.
   */
  public static EvalMetrics ofEpoch(Double asrTriggered, Double asrPerturbation, Double insecureCodeRate,
      Double secureCodeRate) {
    return new EvalMetrics(asrTriggered, null, asrPerturbation, null, null, insecureCodeRate, secureCodeRate);
  }
}
