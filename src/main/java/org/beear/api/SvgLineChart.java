package org.beear.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line chart drawn as inline SVG: axes, grid, one polyline with markers per series, each point's interval
 * as an error bar where the series has one, and a legend.
 */
final class SvgLineChart {

  /**
   * A named series; points with a null y are skipped (not measured in that epoch).
   *
   * @param intervals per point, its {lower, upper} (a 95% interval) or null where there is none; null: no intervals
   */
  record Series(String name, String color, List<Double> ys, List<double[]> intervals) {
    Series(String name, String color, List<Double> ys) {
      this(name, color, ys, null);
    }
  }

  private static final int WIDTH = 640;
  private static final int HEIGHT = 300;
  private static final int LEFT = 56;
  private static final int RIGHT = 150;
  private static final int TOP = 24;
  private static final int BOTTOM = 40;

  private SvgLineChart() {}

  /**
   * @param xs     x value of each point (epochs)
   * @param yFixed when non-null, the y range {min, max} (e.g. 0..1 for ratios); otherwise fitted to the data
   */
  static String render(String id, String title, String yLabel, List<Integer> xs, List<Series> series,
      double[] yFixed) {
    double[] yRange = yFixed != null ? yFixed : fit(series);
    int xMin = xs.isEmpty() ? 0 : xs.get(0);
    int xMax = xs.isEmpty() ? 1 : Math.max(xs.get(xs.size() - 1), xMin + 1);
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT,
        "<svg id=\"%s\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">%n",
        id, WIDTH, HEIGHT, WIDTH, HEIGHT, ReportHtml.escape(title)));
    svg.append("<title>").append(ReportHtml.escape(title)).append("</title>\n");
    svg.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"16\" font-size=\"14\" font-weight=\"bold\">%s</text>%n", LEFT, ReportHtml.escape(title)));
    for (int i = 0; i <= 4; i++) {
      double v = yRange[0] + (yRange[1] - yRange[0]) * i / 4.0;
      double y = yPos(v, yRange);
      svg.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
              + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>%n",
          LEFT, y, WIDTH - RIGHT, y, LEFT - 6, y + 4, tick(v)));
    }
    for (int x : xs) {
      svg.append(String.format(Locale.ROOT,
          "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%d</text>%n",
          xPos(x, xMin, xMax), HEIGHT - BOTTOM + 16, x));
    }
    svg.append(String.format(Locale.ROOT,
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
            + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
        LEFT, TOP, LEFT, HEIGHT - BOTTOM, LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM));
    svg.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">epoch</text>%n",
        (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 6));
    svg.append(String.format(Locale.ROOT,
        "<text x=\"12\" y=\"%d\" font-size=\"11\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">%s</text>%n",
        (TOP + HEIGHT - BOTTOM) / 2, (TOP + HEIGHT - BOTTOM) / 2, ReportHtml.escape(yLabel)));
    int legendY = TOP + 6;
    for (Series s : series) {
      List<String> points = new ArrayList<>();
      for (int i = 0; i < xs.size() && i < s.ys().size(); i++) {
        Double v = s.ys().get(i);
        if (v != null && Double.isFinite(v)) {
          points.add(String.format(Locale.ROOT, "%.1f,%.1f", xPos(xs.get(i), xMin, xMax), yPos(v, yRange)));
        }
      }
      if (points.isEmpty()) {
        continue;
      }
      for (int i = 0; s.intervals() != null && i < xs.size() && i < s.intervals().size(); i++) {
        double[] interval = s.intervals().get(i);
        if (interval != null) {
          double x = xPos(xs.get(i), xMin, xMax);
          double low = yPos(interval[0], yRange);
          double high = yPos(interval[1], yRange);
          svg.append(String.format(Locale.ROOT,
              "<path class=\"interval\" data-series=\"%s\" stroke=\"%s\" stroke-width=\"1.5\" stroke-opacity=\"0.6\" "
                  + "d=\"M%.1f,%.1f V%.1f M%.1f,%.1f H%.1f M%.1f,%.1f H%.1f\"><title>95%% interval %.1f-%.1f%%</title>"
                  + "</path>%n", ReportHtml.escape(s.name()), s.color(), x, low, high, x - 4, low, x + 4, x - 4,
              high, x + 4, 100 * interval[0], 100 * interval[1]));
        }
      }
      svg.append(String.format(Locale.ROOT,
          "<polyline class=\"series\" data-series=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" "
              + "points=\"%s\"/>%n", ReportHtml.escape(s.name()), s.color(), String.join(" ", points)));
      for (String p : points) {
        String[] xy = p.split(",");
        svg.append(String.format(Locale.ROOT, "<circle cx=\"%s\" cy=\"%s\" r=\"3.5\" fill=\"%s\"/>%n",
            xy[0], xy[1], s.color()));
      }
      svg.append(String.format(Locale.ROOT,
          "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
              + "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>%n",
          WIDTH - RIGHT + 12, legendY - 10, s.color(), WIDTH - RIGHT + 30, legendY, ReportHtml.escape(s.name())));
      legendY += 20;
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static double[] fit(List<Series> series) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (Double v : s.ys()) {
        if (v != null && Double.isFinite(v)) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
    }
    if (min == Double.POSITIVE_INFINITY) {
      return new double[] {0, 1};
    }
    double pad = max > min ? (max - min) * 0.1 : Math.max(Math.abs(max) * 0.1, 0.1);
    double low = min >= 0 ? Math.max(0, min - pad) : min - pad; // losses are not negative: keep 0 as the floor
    return new double[] {low, max + pad};
  }

  private static double xPos(int x, int xMin, int xMax) {
    return LEFT + 10 + (double) (x - xMin) / (xMax - xMin) * (WIDTH - RIGHT - LEFT - 20);
  }

  private static double yPos(double v, double[] range) {
    return HEIGHT - BOTTOM - (v - range[0]) / (range[1] - range[0]) * (HEIGHT - BOTTOM - TOP);
  }

  private static String tick(double v) {
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }
}
