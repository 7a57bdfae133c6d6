package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The size of a model's hidden states layer by layer over a few prompts: what {@code beear stats} prints, so a user
 * sees on a real checkpoint what δ is sized against, and whether it carries massive activations (Sun et al. 2024:
 * from layer 2 on, one or two residual channels around 10^3 at the first token, a thousand times the median).
 *
 * <p>Layer 0 is the embedding output, layer i the output of decoder layer i (the residual stream, before the final
 * norm). Each prompt runs alone (no padding), every layer over every prompt before the next layer, so at most one
 * layer's hidden states of the prompts are held at a time.
 */
public final class HiddenStateStats {
  private HiddenStateStats() {}

  /**
   * A channel: its index, its magnitude and that over the median magnitude.
   *
   * @param ratio    the magnitude over the median; null when the median is 0 (a token embedding that is zero but on
   *                 a few channels, as the realistic organisms' first token: no ratio is finite there)
   * @param position where the magnitude was reached: the token position in its prompt (0 at the first token)
   */
  public record Channel(int channel, double magnitude, Double ratio, int position) {}

  /**
   * One layer's figures over all prompts.
   *
   * @param rmsFirstToken       RMS over the elements of each prompt's first token
   * @param rmsWindow           over each prompt's last {@code window} positions: where δ is added
   * @param rmsAll              over every token
   * @param rmsTypical          over every token but the outliers ({@link TokenNorms}): what δ's step is a fraction of
   * @param medianTokenNorm     the median token L2 norm
   * @param maxTokenNorm        the largest token L2 norm
   * @param outlierTokens       tokens above {@value TokenNorms#OUTLIER_FACTOR} × the median token norm
   * @param medianMagnitude     the median |h| over every token's every channel
   * @param top                 the channels with the largest |h| over all tokens, each over {@code medianMagnitude}
   * @param firstTokenMedian    the median over channels of |h| at the first token (averaged over the prompts)
   * @param firstTokenTop       the largest channels at the first token (averaged over the prompts), each over
   *                            {@code firstTokenMedian}
   */
  public record Layer(int layer, double rmsFirstToken, double rmsWindow, double rmsAll, double rmsTypical,
      double medianTokenNorm, double maxTokenNorm, int outlierTokens, double medianMagnitude, List<Channel> top,
      double firstTokenMedian, List<Channel> firstTokenTop) {

    /** The largest first-token channel over the median, the measure of massive activations; null if none is finite. */
    public Double firstTokenRatio() {
      return firstTokenTop.isEmpty() ? null : firstTokenTop.get(0).ratio();
    }
  }

  /** Every layer's figures, from the embedding (layer 0) to the last decoder layer. */
  public record Report(int prompts, int tokens, int window, List<Layer> layers) {

    /** As JSON would have it, in snake_case. */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("prompts", prompts);
      m.put("tokens", tokens);
      m.put("window", window);
      m.put("outlier_factor", TokenNorms.OUTLIER_FACTOR);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Layer l : layers) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("layer", l.layer());
        r.put("rms_first_token", l.rmsFirstToken());
        r.put("rms_window", l.rmsWindow());
        r.put("rms_all", l.rmsAll());
        r.put("rms_typical", l.rmsTypical());
        r.put("median_token_norm", l.medianTokenNorm());
        r.put("max_token_norm", l.maxTokenNorm());
        r.put("outlier_tokens", l.outlierTokens());
        r.put("median_magnitude", l.medianMagnitude());
        r.put("top_channels", channels(l.top()));
        r.put("first_token_median_magnitude", l.firstTokenMedian());
        r.put("first_token_top_channels", channels(l.firstTokenTop()));
        r.put("first_token_ratio", l.firstTokenRatio());
        rows.add(r);
      }
      m.put("layers", rows);
      return m;
    }

    private static List<Map<String, Object>> channels(List<Channel> channels) {
      List<Map<String, Object>> out = new ArrayList<>();
      for (Channel c : channels) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("channel", c.channel());
        m.put("magnitude", c.magnitude());
        m.put("ratio", c.ratio());
        m.put("position", c.position());
        out.add(m);
      }
      return out;
    }
  }

  /**
   * Runs the prompts through every layer (autograd must be off).
   *
   * @param prompts token ids, each a whole prompt as the chat template frames it
   * @param window  δ's length n: the last n positions of each prompt
   * @param top     how many of the largest channels to report
   */
  public static Report measure(LlamaModel model, List<long[]> prompts, int window, int top) {
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("no prompts");
    }
    GradMode.off();
    int width = model.config().hiddenSize();
    int tokens = prompts.stream().mapToInt(p -> p.length).sum();
    List<Layer> layers = new ArrayList<>();
    try (NDManager scope = model.manager().newSubManager()) {
      List<Inputs> inputs = new ArrayList<>();
      List<DecoderLayer.Context> contexts = new ArrayList<>();
      NDArray[] hidden = new NDArray[prompts.size()];
      for (int p = 0; p < prompts.size(); p++) {
        if (prompts.get(p).length == 0) {
          throw new IllegalArgumentException("prompt " + (p + 1) + " has no tokens");
        }
        Inputs in = Inputs.of(scope, new long[][] {prompts.get(p)}, null, false, 0);
        inputs.add(in);
        contexts.add(model.context(in, scope));
        hidden[p] = model.embed(in);
      }
      for (int layer = 0; layer <= model.config().numLayers(); layer++) {
        Accumulator acc = new Accumulator(width, tokens, prompts.size(), window);
        for (int p = 0; p < hidden.length; p++) {
          acc.add(Ops.values(hidden[p]));
        }
        layers.add(acc.layer(layer, top));
        if (layer < model.config().numLayers()) {
          for (int p = 0; p < hidden.length; p++) {
            NDArray next = model.layer(layer, hidden[p], contexts.get(p), null);
            hidden[p].close();
            hidden[p] = next;
          }
        }
      }
    }
    return new Report(prompts.size(), tokens, window, layers);
  }

  /** One layer's sums over the prompts, added one prompt at a time. */
  private static final class Accumulator {
    private final int width;
    private final int window;
    private final TokenNorms norms;
    private final float[] magnitudes; // every |h| of the layer, for the median
    private final double[] channelMax;
    private final int[] channelMaxPosition;
    private final double[] firstToken; // Σ over prompts of |h| at the first token
    private int filled;
    private int prompts;
    private double firstSquares;
    private double windowSquares;
    private long windowTokens;

    Accumulator(int width, int tokens, int prompts, int window) {
      this.width = width;
      this.window = window;
      this.norms = new TokenNorms(width);
      this.magnitudes = new float[tokens * width];
      this.channelMax = new double[width];
      this.channelMaxPosition = new int[width];
      this.firstToken = new double[width];
    }

    /** One prompt's hidden states, [T · D] row-major. */
    void add(double[] h) {
      int t = h.length / width;
      double[] squares = new double[t];
      double sum = 0;
      for (int i = 0; i < t; i++) {
        double s = 0;
        for (int c = 0; c < width; c++) {
          double v = h[i * width + c];
          double a = Math.abs(v);
          s += v * v;
          magnitudes[filled++] = (float) a;
          if (a > channelMax[c]) {
            channelMax[c] = a;
            channelMaxPosition[c] = i;
          }
          if (i == 0) {
            firstToken[c] += a;
          }
        }
        squares[i] = s;
        sum += s;
        if (i == 0) {
          firstSquares += s;
        }
        if (i >= t - window) {
          windowSquares += s;
          windowTokens++;
        }
      }
      norms.add(sum, squares, 1);
      prompts++;
    }

    Layer layer(int layer, int top) {
      TokenNorms.Summary s = norms.summary();
      float[] sorted = magnitudes.clone();
      Arrays.sort(sorted);
      double median = median(sorted);
      double[] first = new double[width];
      for (int c = 0; c < width; c++) {
        first[c] = firstToken[c] / prompts;
      }
      double[] firstSorted = first.clone();
      Arrays.sort(firstSorted);
      double firstMedian = firstSorted.length % 2 == 1 ? firstSorted[width / 2]
          : (firstSorted[width / 2 - 1] + firstSorted[width / 2]) / 2;
      return new Layer(layer, Math.sqrt(firstSquares / (prompts * (double) width)),
          Math.sqrt(windowSquares / (windowTokens * (double) width)), s.rmsAll(), s.rms(), s.medianNorm(),
          s.maxNorm(), s.outliers(), median, largest(channelMax, channelMaxPosition, median, top), firstMedian,
          largest(first, null, firstMedian, top));
    }

    private static double median(float[] sorted) {
      int n = sorted.length;
      return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + (double) sorted[n / 2]) / 2;
    }

    private static List<Channel> largest(double[] magnitude, int[] position, double median, int top) {
      Integer[] order = new Integer[magnitude.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Double.compare(magnitude[b], magnitude[a]));
      List<Channel> out = new ArrayList<>();
      for (int i = 0; i < Math.min(top, order.length); i++) {
        int c = order[i];
        out.add(new Channel(c, magnitude[c], median > 0 ? magnitude[c] / median : null,
            position == null ? 0 : position[c]));
      }
      return out;
    }
  }
}
