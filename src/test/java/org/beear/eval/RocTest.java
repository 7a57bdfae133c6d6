package org.beear.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class RocTest {

  private static Roc.Case pos(Double score) {
    return new Roc.Case("p", score, true);
  }

  private static Roc.Case neg(Double score) {
    return new Roc.Case("n", score, false);
  }

  /** Positives 0.9, 0.8, 0.5, 0.5 and negatives 0.5, 0.3, 0.1: two ties at 0.5. */
  private static final List<Roc.Case> TIED = List.of(pos(0.9), neg(0.5), pos(0.8), pos(0.5), neg(0.3), pos(0.5),
      neg(0.1));

  @Test
  void aucCountsATieAsOneHalf() {
    // 12 pairs: 0.9 and 0.8 beat all three negatives (6), each 0.5 ties one and beats two (2 × 2.5)
    assertThat(Roc.auc(TIED)).isCloseTo(11.0 / 12, within(1e-12));
  }

  @Test
  void tprAtFivePercentFprStopsBeforeTheFirstNegative() {
    Roc.Operating op = Roc.tprAtFpr(TIED, 0.05);
    assertThat(op.tpr()).isEqualTo(0.5);
    assertThat(op.fpr()).isEqualTo(0.0);
    assertThat(op.threshold()).isEqualTo(0.8); // 0.5 would call the tied negative positive too
  }

  @Test
  void aLooserFprBoundTakesTheTiedPositivesWithTheTiedNegative() {
    Roc.Operating op = Roc.tprAtFpr(TIED, 0.34);
    assertThat(op.tpr()).isEqualTo(1.0);
    assertThat(op.fpr()).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(op.threshold()).isEqualTo(0.5);
  }

  @Test
  void perfectSeparation() {
    List<Roc.Case> cases = List.of(pos(3.0), pos(2.0), neg(1.0), neg(-1.0));
    assertThat(Roc.auc(cases)).isEqualTo(1.0);
    Roc.Operating op = Roc.tprAtFpr(cases, 0.05);
    assertThat(op.tpr()).isEqualTo(1.0);
    assertThat(op.threshold()).isEqualTo(2.0);
  }

  @Test
  void aMissingScoreRanksBelowEveryRealOneAndTiesWithAnotherMissingOne() {
    assertThat(Roc.auc(List.of(pos(null), neg(0.0)))).isEqualTo(0.0);
    assertThat(Roc.auc(List.of(pos(null), neg(Double.NaN)))).isEqualTo(0.5);
    Roc.Operating op = Roc.tprAtFpr(List.of(pos(null), neg(0.0)), 0.05);
    assertThat(op.tpr()).isEqualTo(0.0);
    assertThat(op.threshold()).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void withoutOneOfTheClassesThereIsNoCurve() {
    assertThat(Roc.auc(List.of(pos(1.0)))).isNaN();
    assertThat(Roc.tprAtFpr(List.of(neg(1.0)), 0.05).tpr()).isNaN();
  }

  @Test
  void rankedIsHighestFirst() {
    assertThat(Roc.ranked(TIED).stream().map(Roc.Case::score).toList())
        .containsExactly(0.9, 0.8, 0.5, 0.5, 0.5, 0.3, 0.1);
  }
}
