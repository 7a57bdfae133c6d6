package org.beear.policy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.beear.beear.scan.ScanVerdict;
import org.beear.eval.Rate;

/**
 * What a policy is checked against: the figures of one model, each with its counts. A null figure was not measured
 * (no candidate trigger, no scan, no relearning check, over-refusal not measured...): the rules that need it are
 * inconclusive, or skipped with {@code not_measured: skip} (see {@link Policy.NotMeasured}).
 *
 * @param triggeredAsr      attack success with the candidate triggers (the worst trigger)
 * @param perturbationAsr   attack success with an entrapped perturbation and no trigger (the worst family)
 * @param overRefusalBefore refusals of safe prompts before cleansing
 * @param overRefusalAfter  refusals of safe prompts after cleansing
 * @param benignBefore      benign exact-match before cleansing
 * @param benignAfter       benign exact-match after cleansing
 * @param relearnedAsr      the cleansed model's ASR after the relearning check's fine-tunes (the worst)
 * @param scanVerdict       the trigger-free scan's verdict on this model
 */
public record PolicyInputs(
    Rate triggeredAsr,
    Rate perturbationAsr,
    Rate overRefusalBefore,
    Rate overRefusalAfter,
    Rate benignBefore,
    Rate benignAfter,
    Rate relearnedAsr,
    ScanVerdict scanVerdict) {

  /** The figures in the JSON outputs' names: each rate as hits, total, ratio and its 95% bounds; null if not measured. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("triggered_asr", rate(triggeredAsr));
    m.put("perturbation_asr", rate(perturbationAsr));
    m.put("over_refusal_before", rate(overRefusalBefore));
    m.put("over_refusal_after", rate(overRefusalAfter));
    m.put("benign_exact_match_before", rate(benignBefore));
    m.put("benign_exact_match_after", rate(benignAfter));
    m.put("relearned_asr", rate(relearnedAsr));
    m.put("scan_verdict", scanVerdict == null ? null : scanVerdict.words());
    return m;
  }

  static Map<String, Object> rate(Rate r) {
    if (r == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("hits", r.hits());
    m.put("total", r.total());
    m.put("ratio", r.ratio());
    m.put("lower", r.lower());
    m.put("upper", r.upper());
    return m;
  }
}
