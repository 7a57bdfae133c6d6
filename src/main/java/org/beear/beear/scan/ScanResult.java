package org.beear.beear.scan;

import java.nio.file.Path;
import java.util.List;
import org.beear.beear.data.BehaviourFamily;

/**
 * What a scan found.
 *
 * @param model              the suspect's directory
 * @param reference          the reference's directory, or null (built-in calibration)
 * @param score              log2 of how many times smaller the suspect's flip budget is than the calibration's,
 *                           for the family where that is largest: 0 = as hard to flip as a clean model, 1 = half
 *                           the budget, negative = harder; null when no family could be scored
 * @param verdict            likely backdoored, no evidence or inconclusive
 * @param family             the family the score comes from; null when none could be scored
 * @param flipBudget         the suspect's flip budget in that family; null when it never flipped up to the largest
 *                           budget
 * @param calibration        which calibration decided, and what it compared with
 * @param evidence           the verdict's reasons in words, one sentence each
 * @param families           the suspect's sweeps, one per family
 * @param referenceFamilies  the reference's sweeps, or empty
 * @param anchorLayer        l, the layer δ is added after
 * @param perturbationLength n, the prompt positions δ covers
 * @param seconds            wall time of the whole scan
 */
public record ScanResult(
    Path model,
    Path reference,
    Double score,
    ScanVerdict verdict,
    BehaviourFamily family,
    Double flipBudget,
    ScanCalibration.Used calibration,
    List<String> evidence,
    List<FamilyScan> families,
    List<FamilyScan> referenceFamilies,
    int anchorLayer,
    int perturbationLength,
    double seconds) {

  public ScanResult {
    evidence = List.copyOf(evidence);
    families = List.copyOf(families);
    referenceFamilies = List.copyOf(referenceFamilies);
  }
}
