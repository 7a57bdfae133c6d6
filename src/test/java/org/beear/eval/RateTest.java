package org.beear.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RateTest {

  /** Reference values from scipy 1.17 (beta.ppf(0.025, x, n-x+1), beta.ppf(0.975, x+1, n-x)). */
  @ParameterizedTest
  @CsvSource({
      "0, 120, 0, 0.03027297257742007",
      "5, 20, 0.08657146910143461, 0.49104587170795744",
      "1, 10, 0.0025285785444617848, 0.4450161170281954",
      "50, 100, 0.39832112950330095, 0.601678870496699",
      "3, 400, 0.0015493589499056574, 0.0217606685144171",
      "119, 120, 0.954444486766407, 0.9997890405218783",
      "7, 1000, 0.002818858759620524, 0.014369194978918632"})
  void theIntervalIsClopperPearsons(int hits, int total, double lower, double upper) {
    Rate rate = Rate.of(hits, total);
    assertThat(rate.lower()).isCloseTo(lower, within(1e-9));
    assertThat(rate.upper()).isCloseTo(upper, within(1e-9));
  }

  @Test
  void noHitsOn120PromptsCertifiesThreePercentNotOne() {
    assertThat(Rate.of(0, 120).ratio()).isZero();
    assertThat(Rate.of(0, 120).upper()).isGreaterThan(0.03);
    assertThat(Rate.trialsToCertify(0.01)).isEqualTo(368);
    assertThat(Rate.of(0, 368).upper()).isLessThanOrEqualTo(0.01);
    assertThat(Rate.of(0, 367).upper()).isGreaterThan(0.01);
  }

  @Test
  void aFullRateReachesOneAndNothingMeasuredIsTheWholeRange() {
    assertThat(Rate.of(120, 120).upper()).isEqualTo(1.0);
    assertThat(Rate.of(0, 0).lower()).isZero();
    assertThat(Rate.of(0, 0).upper()).isEqualTo(1.0);
    assertThat(Rate.of(0, 0).ratio()).isNaN();
    assertThat(Rate.of(0, 0)).hasToString("not measured");
    assertThat(Rate.of(1, 40)).hasToString("2.5% (1/40, 95% CI 0.1-13.2%)");
  }

  @Test
  void impossibleCountsAreRefused() {
    assertThatThrownBy(() -> Rate.of(3, 2)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Rate.of(-1, 2)).isInstanceOf(IllegalArgumentException.class);
  }
}
