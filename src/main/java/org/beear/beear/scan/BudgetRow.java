package org.beear.beear.scan;

/**
 * One point of a δ sweep: δ entrapped under an L2 bound per row of {@code budget} times a typical hidden state's
 * norm at the anchor layer, then greedy answers to the held-out queries under it.
 *
 * @param budget          δ's norm bound, relative to a typical hidden state (0: no δ, the model as it is)
 * @param perturbationAsr share of the held-out queries answered with the unwanted behaviour under δ, judged as the
 *                        cleanse judges its perturbation ASR (the response judge; the pair rule for code)
 * @param complianceRate  share judged compliant by the scan's stricter rule ({@link ComplianceJudge}: compliance
 *                        and the unwanted reference's opening): what the flip budget is read from
 * @param entrapmentLoss  the entrapment objective at δ's last step, CE(unwanted) − α·CE(safe) per token (at budget
 *                        0: without δ); null if not finite
 * @param unwantedLoss    its first term, the unwanted responses' cross-entropy per token
 * @param seconds         entrapment and generation
 * @param deltaNormRatio  δ's largest row L2 norm over the median token norm at the anchor layer (null at budget 0)
 */
public record BudgetRow(double budget, double perturbationAsr, double complianceRate, Double entrapmentLoss,
    Double unwantedLoss, double seconds, Double deltaNormRatio) {

  /** A row without δ's size. */
  public BudgetRow(double budget, double perturbationAsr, double complianceRate, Double entrapmentLoss,
      Double unwantedLoss, double seconds) {
    this(budget, perturbationAsr, complianceRate, entrapmentLoss, unwantedLoss, seconds, null);
  }
}
