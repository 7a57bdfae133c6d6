package org.beear.eval;

/**
 * The beta distribution's regularized incomplete function and its inverse, for exact binomial intervals. The
 * continued fraction is the modified Lentz evaluation (Numerical Recipes' betacf); the inverse bisects, which is
 * slow next to Newton steps but cannot leave [0, 1] and needs 60 evaluations at most.
 */
final class Beta {

  private Beta() {
  }

  /** The x with I_x(a, b) = p, for a, b > 0. */
  static double quantile(double p, double a, double b) {
    double lo = 0;
    double hi = 1;
    for (int i = 0; i < 100 && hi - lo > 1e-15; i++) {
      double mid = (lo + hi) / 2;
      if (regularized(mid, a, b) < p) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return (lo + hi) / 2;
  }

  /** I_x(a, b), the beta CDF. */
  static double regularized(double x, double a, double b) {
    if (x <= 0) {
      return 0;
    }
    if (x >= 1) {
      return 1;
    }
    double logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
    double front = Math.exp(logFront);
    // the fraction converges fast on this side of the mean; the other side by symmetry
    return x < (a + 1) / (a + b + 2)
        ? front * continuedFraction(x, a, b) / a
        : 1 - front * continuedFraction(1 - x, b, a) / b;
  }

  private static double continuedFraction(double x, double a, double b) {
    final double tiny = 1e-300;
    double c = 1;
    double d = 1 - (a + b) * x / (a + 1);
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    double h = d;
    for (int m = 1; m <= 10_000; m++) {
      int m2 = 2 * m;
      double even = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
      d = 1 + even * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + even / c;
      c = Math.abs(c) < tiny ? tiny : c;
      h *= d * c;
      double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
      d = 1 + odd * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + odd / c;
      c = Math.abs(c) < tiny ? tiny : c;
      double step = d * c;
      h *= step;
      if (Math.abs(step - 1) < 1e-15) {
        break;
      }
    }
    return h;
  }

  /** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
  static double logGamma(double x) {
    if (x < 0.5) {
      return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
    }
    double[] g = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7};
    double z = x - 1;
    double sum = g[0];
    for (int i = 1; i < g.length; i++) {
      sum += g[i] / (z + i);
    }
    double t = z + 7.5;
    return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
  }
}
