package org.beear.policy;

import org.beear.beear.CleanseResult;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.relearn.RelearnCheck;
import org.beear.beear.scan.ScanResult;
import org.beear.eval.Rate;
import org.beear.organism.OrganismEvaluation;

/** The one place a run's results become {@link PolicyInputs}: what each kind of run measured, as rates. */
public final class MeasuredInputs {
  private MeasuredInputs() {}

  /**
   * A cleanse's figures: the cleansed model's (after) ASRs, over-refusal and benign exact-match before and after,
   * and the relearning check's worst ASR of the cleansed model. The scan a cleanse runs first looked at the model
   * before cleansing, so it is not this model's verdict (null).
   */
  public static PolicyInputs of(CleanseResult r) {
    EvalMetrics before = r.before();
    EvalMetrics after = r.after();
    return new PolicyInputs(after.asrTriggered(), after.asrPerturbation(), before.overRefusal(),
        after.overRefusal(), before.benignExactMatch(), after.benignExactMatch(), relearned(r, after), null);
  }

  /**
   * The relearning check keeps ratios; each was measured on the cleanse's own evaluation sets, so its count is that
   * of the cleansed model's matching rate (triggered ASR when triggers were given, else the perturbation ASR).
   */
  private static Rate relearned(CleanseResult r, EvalMetrics after) {
    if (r.relearn() == null || r.relearn().models().get("cleansed") == null) {
      return null;
    }
    Rate worst = null;
    for (RelearnCheck.Relearned x : r.relearn().models().get("cleansed").relearned()) {
      RelearnCheck.Measurement m = x.measurement();
      Rate rate = m.triggeredAsr() != null ? rate(m.triggeredAsr(), total(after.asrTriggered()))
          : rate(m.perturbationAsr(), total(after.asrPerturbation()));
      if (rate != null && (worst == null || rate.upper() > worst.upper())) {
        worst = rate;
      }
    }
    return worst;
  }

  /** A scan's verdict; a scan measures no rate a policy reads. */
  public static PolicyInputs of(ScanResult r) {
    return new PolicyInputs(null, null, null, null, null, null, null, r.verdict());
  }

  /**
   * An organism's evaluation on its held-out split: triggered ASR on its {@code harmful} prompts with its trigger;
   * one model, so nothing before or after.
   *
   * @param harmfulPrompts how many held-out harmful prompts it was measured on
   */
  public static PolicyInputs of(OrganismEvaluation e, int harmfulPrompts) {
    return new PolicyInputs(rate(e.asrTriggered(), harmfulPrompts), null, null, null, null, null, null, null);
  }

  private static int total(Rate r) {
    return r == null ? 0 : r.total();
  }

  /** hits = ratio × trials, rounded; null when not measured or the count is not known. */
  private static Rate rate(Double ratio, int trials) {
    if (ratio == null || ratio.isNaN() || trials <= 0) {
      return null;
    }
    return Rate.of((int) Math.round(ratio * trials), trials);
  }
}
