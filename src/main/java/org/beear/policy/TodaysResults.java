package org.beear.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import org.beear.beear.CleanseResult;
import org.beear.beear.evaluation.EvalMetrics;
import org.beear.beear.relearn.RelearnCheck;
import org.beear.beear.scan.ScanResult;
import org.beear.datasets.AdvBench;
import org.beear.eval.Rate;
import org.beear.organism.OrganismEvaluation;

/**
 * The one adapter from today's results to {@link PolicyInputs}. Today's results carry ratios without their counts;
 * each rate's count is the number of prompts it was measured on where that is known, and its hits the ratio times
 * that count.
 *
 * <p>TEMPORARY: the intervals branch makes every evaluated rate carry its counts and interval ({@link Rate}) and
 * adds over-refusal; at that merge this class is replaced by reading those rates directly (over-refusal included,
 * null here because it is not measured yet). Nothing else in the policy package reads today's results.
 */
public final class TodaysResults {
  private TodaysResults() {}

  /**
   * A cleanse's figures: the cleansed model's (after) ASRs, benign exact-match before and after, the relearning
   * check's worst ASR of the cleansed model. The scan a cleanse runs first looked at the model before cleansing, so
   * it is not this model's verdict (null).
   *
   * <p>Counts: triggered ASR on the held-out AdvBench behaviours; perturbation ASR on the defender's hold-out and
   * benign exact-match on {@code eval_benign_prompts}, both as report.json records them (the perturbation ASR is the
   * worst family's, whose size the report does not give: the whole hold-out is used, exact when the hold-out is one
   * family, as with the default data).
   */
  public static PolicyInputs of(CleanseResult r) {
    JsonNode report = readReport(r);
    int harmful = AdvBench.heldOut().size();
    int holdOut = report.path("data").path("defender_hold_out").asInt(0);
    int benign = report.path("options").path("eval_benign_prompts").asInt(0);
    EvalMetrics before = r.before();
    EvalMetrics after = r.after();
    Rate relearned = null;
    if (r.relearn() != null && r.relearn().models().get("cleansed") != null) {
      for (RelearnCheck.Relearned x : r.relearn().models().get("cleansed").relearned()) {
        RelearnCheck.Measurement m = x.measurement();
        Rate rate = m.triggeredAsr() != null ? rate(m.triggeredAsr(), harmful) : rate(m.perturbationAsr(), holdOut);
        if (rate != null && (relearned == null || rate.ratio() > relearned.ratio())) {
          relearned = rate;
        }
      }
    }
    return new PolicyInputs(rate(after.asrTriggered(), harmful), rate(after.asrPerturbation(), holdOut), null, null,
        rate(before.benignExactMatch(), benign), rate(after.benignExactMatch(), benign), relearned, null);
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

  /** hits = ratio × prompts, rounded; null when not measured or the count is not known. */
  private static Rate rate(Double ratio, int prompts) {
    if (ratio == null || ratio.isNaN() || prompts <= 0) {
      return null;
    }
    return Rate.of((int) Math.round(ratio * prompts), prompts);
  }

  private static JsonNode readReport(CleanseResult r) {
    try {
      return r.reportFile() != null && Files.isRegularFile(r.reportFile())
          ? new ObjectMapper().readTree(r.reportFile().toFile()) : new ObjectMapper().createObjectNode();
    } catch (IOException e) {
      return new ObjectMapper().createObjectNode(); // counts unknown: those rates are not measured
    }
  }
}
