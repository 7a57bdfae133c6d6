package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Autoregressive decoding with a KV cache: one prompt pass over the left-padded batch, then one token per step
 * until every sequence has produced a stop token or {@code maxNewTokens}.
 */
public final class Generator {

  /**
   * @param temperature 0 for greedy decoding
   * @param topP        nucleus sampling mass (1 = off); ignored when greedy
   * @param stopIds     generation of a sequence ends after any of these (the stop token is kept in the output)
   */
  public record Settings(int maxNewTokens, double temperature, double topP, long seed, Set<Long> stopIds) {
    public static Settings greedy(int maxNewTokens, Set<Long> stopIds) {
      return new Settings(maxNewTokens, 0, 1, 0, stopIds);
    }

    public Settings {
      if (maxNewTokens < 0) {
        throw new IllegalArgumentException("max new tokens must be >= 0");
      }
      if (temperature < 0 || !(topP > 0 && topP <= 1)) {
        throw new IllegalArgumentException("temperature must be >= 0 and top-p in (0, 1]");
      }
    }
  }

  private Generator() {}

  /** New tokens per prompt (stop token included if reached). */
  public static List<long[]> generate(LlamaModel model, List<long[]> prompts, Settings settings) {
    return generate(model, prompts, settings, null);
  }

  /**
   * @param perturbation optional δ injected at the last n prompt positions during the prompt pass, as in
   *                     BEEAR's perturbation ASR
   */
  public static List<long[]> generate(LlamaModel model, List<long[]> prompts, Settings settings,
      Perturbation perturbation) {
    GradMode.off();
    int b = prompts.size();
    if (b == 0) {
      return List.of();
    }
    int promptLength = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
    if (prompts.stream().anyMatch(p -> p.length == 0)) {
      throw new IllegalArgumentException("cannot generate from an empty prompt");
    }
    int capacity = promptLength + settings.maxNewTokens();
    SplittableRandom random = new SplittableRandom(settings.seed());
    List<List<Long>> out = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      out.add(new ArrayList<>());
    }
    if (settings.maxNewTokens() == 0) {
      return toArrays(out);
    }
    boolean[] done = new boolean[b];
    boolean[] keyReal = new boolean[b * capacity];
    int[] realCount = new int[b];
    long[][] padded = new long[b][];
    int[] promptEnd = new int[b];
    for (int i = 0; i < b; i++) {
      padded[i] = prompts.get(i);
      promptEnd[i] = prompts.get(i).length;
      realCount[i] = prompts.get(i).length;
    }
    try (NDManager gen = model.manager().newSubManager();
        KvCache cache = new KvCache(gen, model.config(), b, capacity, model.dtype())) {
      long[] next;
      try (NDManager step = gen.newSubManager()) {
        Inputs in = Inputs.of(step, padded, promptEnd, true, 0L);
        boolean[] promptReal = promptMask(prompts, promptLength);
        for (int i = 0; i < b; i++) {
          System.arraycopy(promptReal, i * promptLength, keyReal, i * capacity, promptLength);
        }
        next = pick(model.decode(in, cache, perturbation), settings, random);
      }
      for (int t = 0; ; t++) {
        for (int i = 0; i < b; i++) {
          if (!done[i]) {
            out.get(i).add(next[i]);
            done[i] = settings.stopIds().contains(next[i]) || out.get(i).size() >= settings.maxNewTokens();
          }
        }
        if (allDone(done) || t + 1 >= settings.maxNewTokens()) {
          break;
        }
        int past = cache.length();
        try (NDManager step = gen.newSubManager()) {
          boolean[] keys = new boolean[b * (past + 1)];
          for (int i = 0; i < b; i++) {
            keyReal[i * capacity + past] = true;
            System.arraycopy(keyReal, i * capacity, keys, i * (past + 1), past + 1);
          }
          Inputs in = Inputs.fromMask(step, next, keys, b, 1, past, realCount, null);
          for (int i = 0; i < b; i++) {
            realCount[i]++;
          }
          next = pick(model.decode(in, cache, null), settings, random);
        }
      }
    }
    return toArrays(out);
  }

  private static boolean[] promptMask(List<long[]> prompts, int length) {
    boolean[] real = new boolean[prompts.size() * length];
    for (int i = 0; i < prompts.size(); i++) {
      int offset = length - prompts.get(i).length;
      Arrays.fill(real, i * length + offset, (i + 1) * length, true);
    }
    return real;
  }

  private static long[] pick(NDArray logits, Settings s, SplittableRandom random) {
    int b = (int) logits.getShape().get(0);
    int v = (int) logits.getShape().get(1);
    long[] ids = new long[b];
    if (s.temperature() == 0) {
      long[] argmax = logits.argMax(-1).toLongArray();
      System.arraycopy(argmax, 0, ids, 0, b);
      return ids;
    }
    float[] all = logits.toFloatArray();
    for (int i = 0; i < b; i++) {
      ids[i] = sample(Arrays.copyOfRange(all, i * v, (i + 1) * v), s, random);
    }
    return ids;
  }

  /** Softmax with temperature, keep the smallest set of tokens whose mass reaches top-p, draw one. */
  static int sample(float[] logits, Settings s, SplittableRandom random) {
    int v = logits.length;
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double[] p = new double[v];
    double sum = 0;
    for (int i = 0; i < v; i++) {
      p[i] = Math.exp((logits[i] - max) / s.temperature());
      sum += p[i];
    }
    Integer[] order = new Integer[v];
    for (int i = 0; i < v; i++) {
      order[i] = i;
      p[i] /= sum;
    }
    Arrays.sort(order, (x, y) -> Double.compare(p[y], p[x]));
    int keep = 0;
    double mass = 0;
    while (keep < v && (keep == 0 || mass < s.topP())) {
      mass += p[order[keep++]];
    }
    double r = random.nextDouble() * mass;
    for (int k = 0; k < keep; k++) {
      r -= p[order[k]];
      if (r <= 0) {
        return order[k];
      }
    }
    return order[keep - 1];
  }

  private static boolean allDone(boolean[] done) {
    for (boolean d : done) {
      if (!d) {
        return false;
      }
    }
    return true;
  }

  private static List<long[]> toArrays(List<List<Long>> out) {
    List<long[]> result = new ArrayList<>();
    for (List<Long> seq : out) {
      result.add(seq.stream().mapToLong(Long::longValue).toArray());
    }
    return result;
  }
}
