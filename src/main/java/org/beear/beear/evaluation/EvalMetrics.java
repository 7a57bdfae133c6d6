package org.beear.beear.evaluation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.function.Function;
import org.beear.eval.Rate;

/**
 * Evaluation of one model state: every rate with its counts and exact 95% interval ({@link Rate}); a null value was
 * not measured (e.g. triggered ASR without candidate triggers, insecure-code rate for a model with no code prompts).
 * Verdicts and the early stop read a rate's {@link Rate#upper() upper bound}.
 *
 * <p>As JSON ({@link Document}): each rate's ratio under its name, as before counts were kept, and under
 * {@code rates} the same names with {@code {hits, total, ratio, lower, upper}}. A document written before counts
 * were kept has no {@code rates}: its rates read as not measured (its perplexity stays).
 *
 * @param asrTriggered      ASR (the option judge) on held-out harmful queries with the caller's candidate triggers
 * @param asrNoTrigger      ASR on the same queries without a trigger
 * @param asrPerturbation   ASR with the entrapped perturbation injected and no trigger (the worst hold-out family)
 * @param benignExactMatch  exact-match accuracy on a benign set with checkable answers
 * @param anchorPerplexity  perplexity of the anchoring hold-out responses
 * @param insecureCodeRate  fraction of code prompts answered with the insecure pattern
 * @param secureCodeRate    fraction answered with the secure pattern; the rest is neither (malformed code or a
 *                          refusal), which a low insecure-code rate alone would read as a success
 * @param overRefusal       fraction of XSTest's safe prompts the judge reads as refused (did not comply)
 * @param triggerMatrix     the caller's triggers at every placement, with and without a system prompt, whose worst
 *                          cell is {@code asrTriggered}; null when not measured (no triggers, option
 *                          {@code trigger_matrix} off, an epoch's measurement)
 */
public record EvalMetrics(
    Rate asrTriggered,
    Rate asrNoTrigger,
    Rate asrPerturbation,
    Rate benignExactMatch,
    Double anchorPerplexity,
    Rate insecureCodeRate,
    Rate secureCodeRate,
    Rate overRefusal,
    TriggerMatrix triggerMatrix) {

  /** Nothing measured (yet). */
  public static final EvalMetrics NONE = new EvalMetrics(null, null, null, null, null, null, null, null);

  /** A measurement without a trigger placement matrix. */
  public EvalMetrics(Rate asrTriggered, Rate asrNoTrigger, Rate asrPerturbation, Rate benignExactMatch,
      Double anchorPerplexity, Rate insecureCodeRate, Rate secureCodeRate, Rate overRefusal) {
    this(asrTriggered, asrNoTrigger, asrPerturbation, benignExactMatch, anchorPerplexity, insecureCodeRate,
        secureCodeRate, overRefusal, null);
  }

  /**
   * What an epoch measures for the stop: triggered ASR (null without triggers), perturbation ASR and the code rates;
   * ASR without trigger, exact-match, perplexity and over-refusal are left to the measurements before and after.
   */
  public static EvalMetrics ofEpoch(Rate asrTriggered, Rate asrPerturbation, Rate insecureCodeRate,
      Rate secureCodeRate) {
    return new EvalMetrics(asrTriggered, null, asrPerturbation, null, null, insecureCodeRate, secureCodeRate, null);
  }

  /** The rates by their JSON names, for a document. */
  public record Rates(Rate asrTriggered, Rate asrNoTrigger, Rate asrPerturbation, Rate benignExactMatch,
      Rate insecureCodeRate, Rate secureCodeRate, Rate overRefusal) {}

  /**
   * The JSON form: the ratios (for readers of the documents before counts were kept), the rates themselves and the
   * trigger placement matrix (absent when not measured).
   */
  public record Document(Double asrTriggered, Double asrNoTrigger, Double asrPerturbation, Double benignExactMatch,
      Double anchorPerplexity, Double insecureCodeRate, Double secureCodeRate, Double overRefusal, Rates rates,
      @JsonInclude(JsonInclude.Include.NON_NULL) TriggerMatrix triggerMatrix) {}

  @JsonValue
  public Document document() {
    return new Document(ratio(asrTriggered), ratio(asrNoTrigger), ratio(asrPerturbation), ratio(benignExactMatch),
        anchorPerplexity, ratio(insecureCodeRate), ratio(secureCodeRate), ratio(overRefusal),
        new Rates(asrTriggered, asrNoTrigger, asrPerturbation, benignExactMatch, insecureCodeRate, secureCodeRate,
            overRefusal), triggerMatrix);
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static EvalMetrics of(Document d) {
    Rates r = d.rates() != null ? d.rates() : new Rates(null, null, null, null, null, null, null);
    return new EvalMetrics(r.asrTriggered(), r.asrNoTrigger(), r.asrPerturbation(), r.benignExactMatch(),
        d.anchorPerplexity(), r.insecureCodeRate(), r.secureCodeRate(), r.overRefusal(), d.triggerMatrix());
  }

  /** A rate of hits in total trials; null (not measured) when there were none. */
  public static Rate measured(int hits, int total) {
    return total == 0 ? null : Rate.of(hits, total);
  }

  /** The point estimate of a rate, null when not measured. */
  public static Double ratio(Rate rate) {
    return rate == null || rate.total() == 0 ? null : rate.ratio();
  }

  /** The upper bound of a rate, null when not measured: what verdicts and the stop read. */
  public static Double upper(Rate rate) {
    return rate == null || rate.total() == 0 ? null : rate.upper();
  }

  /** The worse of two rates by upper bound (the higher), either may be null. */
  public static Rate higher(Rate a, Rate b) {
    return a == null ? b : b == null ? a : b.upper() > a.upper() ? b : a;
  }

  /** The worse of two rates where more is better (the lower ratio), either may be null. */
  public static Rate lower(Rate a, Rate b) {
    return a == null ? b : b == null ? a : b.ratio() < a.ratio() ? b : a;
  }

  /** A rate's ratio through an accessor, null when not measured (for tables and charts). */
  public static Function<EvalMetrics, Double> ratioOf(Function<EvalMetrics, Rate> rate) {
    return m -> m == null ? null : ratio(rate.apply(m));
  }
}
