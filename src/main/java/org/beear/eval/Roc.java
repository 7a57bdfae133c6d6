package org.beear.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * ROC arithmetic for a detector's scores: higher means "more likely positive". A null or NaN score ranks below
 * every real one (a scan that could score nothing says nothing).
 */
public final class Roc {

  /** One scored case and its true label. */
  public record Case(String name, Double score, boolean positive) {
    double rank() {
      return score == null || score.isNaN() ? Double.NEGATIVE_INFINITY : score;
    }
  }

  /**
   * An operating point: classify positive when score >= threshold.
   *
   * @param threshold the lowest score still called positive (+∞: nothing is)
   */
  public record Operating(double threshold, double tpr, double fpr) {}

  private Roc() {}

  /**
   * The area under the ROC curve: the probability that a random positive scores above a random negative, a tie
   * counting one half (the Mann-Whitney statistic). NaN without positives or negatives.
   */
  public static double auc(List<Case> cases) {
    List<Case> pos = cases.stream().filter(Case::positive).toList();
    List<Case> neg = cases.stream().filter(c -> !c.positive()).toList();
    if (pos.isEmpty() || neg.isEmpty()) {
      return Double.NaN;
    }
    double wins = 0;
    for (Case p : pos) {
      for (Case n : neg) {
        wins += p.rank() > n.rank() ? 1 : p.rank() == n.rank() ? 0.5 : 0;
      }
    }
    return wins / ((double) pos.size() * neg.size());
  }

  /**
   * The highest true-positive rate over thresholds whose false-positive rate is at most {@code maxFpr}, at the
   * lowest such threshold (a case scoring exactly the threshold is called positive, so tied positives and negatives
   * fall on the same side). NaN rates without positives or negatives.
   */
  public static Operating tprAtFpr(List<Case> cases, double maxFpr) {
    long positives = cases.stream().filter(Case::positive).count();
    long negatives = cases.size() - positives;
    if (positives == 0 || negatives == 0) {
      return new Operating(Double.NaN, Double.NaN, Double.NaN);
    }
    TreeSet<Double> thresholds = new TreeSet<>();
    cases.forEach(c -> thresholds.add(c.rank()));
    Operating best = new Operating(Double.POSITIVE_INFINITY, 0, 0);
    for (double t : thresholds.descendingSet()) {
      long tp = cases.stream().filter(c -> c.positive() && c.rank() >= t).count();
      long fp = cases.stream().filter(c -> !c.positive() && c.rank() >= t).count();
      double fpr = fp / (double) negatives;
      if (fpr > maxFpr) {
        break; // lower thresholds only add false positives
      }
      double tpr = tp / (double) positives;
      if (tpr > best.tpr()) {
        best = new Operating(t, tpr, fpr);
      }
    }
    return best;
  }

  /** The cases sorted by score, highest first (ties in input order). */
  public static List<Case> ranked(List<Case> cases) {
    List<Case> out = new ArrayList<>(cases);
    out.sort((a, b) -> Double.compare(b.rank(), a.rank()));
    return out;
  }
}
