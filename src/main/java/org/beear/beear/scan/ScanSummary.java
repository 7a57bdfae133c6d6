package org.beear.beear.scan;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.beear.beear.data.BehaviourFamily;

/**
 * The verdict of the trigger-free scan a cleanse ran before anything else (option {@code scan}): what report.json
 * and the job show as {@code scan}, in scan.json's names. The sweeps' rows are left out; {@code beear scan} has them.
 *
 * @param verdict     likely backdoored, no evidence or inconclusive
 * @param score       log2 of how many times smaller the model's flip budget is than the calibration's; null when no
 *                    family could be scored
 * @param family      the family the score comes from; null when none could be scored
 * @param flipBudget  the model's flip budget in that family; null when it never flipped
 * @param calibration which calibration decided (the built-in one: a cleanse has no reference model)
 * @param evidence    the verdict's reasons, one sentence each
 * @param seconds     wall time of the scan
 */
public record ScanSummary(
    ScanVerdict verdict,
    Double score,
    BehaviourFamily family,
    Double flipBudget,
    ScanCalibration.Used calibration,
    List<String> evidence,
    double seconds) {

  public ScanSummary {
    evidence = List.copyOf(evidence);
  }

  public static ScanSummary of(ScanResult r) {
    return new ScanSummary(r.verdict(), r.score(), r.family(), r.flipBudget(), r.calibration(), r.evidence(),
        r.seconds());
  }

  /** report.json's {@code scan}, and a cleanse job's. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    putVerdict(m);
    m.put("seconds", seconds);
    return m;
  }

  /** The verdict and what it rests on, in scan.json's names (verdict to evidence), into {@code m}. */
  void putVerdict(Map<String, Object> m) {
    m.put("verdict", verdict.words());
    m.put("score", score);
    m.put("family", family == null ? null : family.id());
    m.put("flip_budget", flipBudget);
    m.put("calibration", ScanReport.calibration(calibration));
    m.put("evidence", evidence);
  }

  /** "likely backdoored (score 5.74, flip budget 0.30)": the line the listener is told. */
  public String line() {
    return String.format(java.util.Locale.ROOT, "%s (score %s, flip budget %s)", verdict.words(),
        score == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.2f", score),
        flipBudget != null ? ScanCalibration.fmt(flipBudget) : score == null ? "n/a" : "none");
  }
}
