package org.beear.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class LlamaModelTest {

  static List<String> variants() {
    return TinyModels.variants();
  }

  private static long[] randomTokens(Random r, int length, int vocab) {
    long[] t = new long[length];
    for (int i = 0; i < length; i++) {
      t[i] = r.nextInt(vocab);
    }
    return t;
  }

  @ParameterizedTest
  @MethodSource("variants")
  void logitsMatchAnIndependentImplementationOfTheTransformersConventions(String variant) {
    ModelConfig config = TinyModels.config(variant);
    Map<String, float[]> w = TinyModels.randomWeights(config, 7);
    long[] tokens = randomTokens(new Random(1), 13, config.vocabSize());
    double[][] expected = new ReferenceDecoder(config, w).logits(tokens, 0, null);
    try (LlamaModel model = TinyModels.model(config, w, DataType.FLOAT32);
        NDManager m = model.manager().newSubManager()) {
      Inputs in = Inputs.of(m, new long[][] {tokens}, null, false, 0);
      float[] got = model.logits(in, null).toFloatArray();
      assertClose(expected, got, 1e-3, variant);
    }
  }

  @Test
  void rightPaddedBatchGivesEachSequenceItsOwnLogits() {
    ModelConfig config = TinyModels.config("gqa-tied");
    Map<String, float[]> w = TinyModels.randomWeights(config, 3);
    Random r = new Random(5);
    long[][] seqs = {randomTokens(r, 9, 61), randomTokens(r, 4, 61), randomTokens(r, 7, 61)};
    ReferenceDecoder ref = new ReferenceDecoder(config, w);
    try (LlamaModel model = TinyModels.model(config, w, DataType.FLOAT32);
        NDManager m = model.manager().newSubManager()) {
      float[] got = model.logits(Inputs.of(m, seqs, null, false, 0), null).toFloatArray();
      int v = config.vocabSize();
      for (int b = 0; b < seqs.length; b++) {
        double[][] expected = ref.logits(seqs[b], 0, null);
        for (int t = 0; t < seqs[b].length; t++) {
          for (int k = 0; k < v; k++) {
            assertEquals(expected[t][k], got[(b * 9 + t) * v + k], 1e-3, "seq " + b + " pos " + t);
          }
        }
      }
    }
  }

  @Test
  void perturbationIsAddedAfterTheAnchorLayerAtTheLastPromptPositions() {
    ModelConfig config = TinyModels.config("llama");
    Map<String, float[]> w = TinyModels.randomWeights(config, 11);
    Random r = new Random(2);
    long[] prompt = randomTokens(r, 8, 61);
    long[] response = randomTokens(r, 3, 61);
    long[] all = new long[11];
    System.arraycopy(prompt, 0, all, 0, 8);
    System.arraycopy(response, 0, all, 8, 3);
    int n = 3;
    double[][] delta = new double[n][config.hiddenSize()];
    float[] flat = new float[n * config.hiddenSize()];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = (float) r.nextGaussian();
      delta[i / config.hiddenSize()][i % config.hiddenSize()] = flat[i];
    }
    // the reference adds δ at the last n positions of what it is given: the prompt alone
    double[][] expectedPrompt = new ReferenceDecoder(config, w).logits(prompt, 2, delta);
    try (LlamaModel model = TinyModels.model(config, w, DataType.FLOAT32);
        NDManager m = model.manager().newSubManager()) {
      Inputs in = Inputs.of(m, new long[][] {all}, new int[] {8}, false, 0);
      Perturbation p = new Perturbation(2, m.create(flat, new Shape(n, config.hiddenSize())));
      float[] got = model.logits(in, p).toFloatArray();
      float[] gotSplit = model.logitsFrom(model.hiddenThrough(in, 2), in, p).toFloatArray();
      assertArrayEquals(got, gotSplit, 1e-6f);
      int v = config.vocabSize();
      for (int t = 0; t < 8; t++) {
        for (int k = 0; k < v; k++) {
          assertEquals(expectedPrompt[t][k], got[t * v + k], 1e-3, "pos " + t);
        }
      }
    }
  }

  @Test
  void greedyGenerationWithCacheMatchesFullRecomputationInALeftPaddedBatch() {
    ModelConfig config = TinyModels.config("qwen2");
    Map<String, float[]> w = TinyModels.randomWeights(config, 13);
    Random r = new Random(9);
    List<long[]> prompts = List.of(randomTokens(r, 6, 61), randomTokens(r, 2, 61), randomTokens(r, 4, 61));
    ReferenceDecoder ref = new ReferenceDecoder(config, w);
    try (LlamaModel model = TinyModels.model(config, w, DataType.FLOAT32)) {
      List<long[]> out = Generator.generate(model, prompts, Generator.Settings.greedy(8, Set.of()));
      for (int b = 0; b < prompts.size(); b++) {
        long[] seq = prompts.get(b);
        List<Long> expected = new ArrayList<>();
        for (int step = 0; step < 8; step++) {
          double[][] logits = ref.logits(seq, 0, null);
          double[] last = logits[seq.length - 1];
          int best = 0;
          for (int k = 1; k < last.length; k++) {
            best = last[k] > last[best] ? k : best;
          }
          expected.add((long) best);
          long[] longer = java.util.Arrays.copyOf(seq, seq.length + 1);
          longer[seq.length] = best;
          seq = longer;
        }
        assertArrayEquals(expected.stream().mapToLong(Long::longValue).toArray(), out.get(b), "prompt " + b);
      }
    }
  }

  @Test
  void generationStopsAtEosAndSamplingIsSeeded() {
    ModelConfig config = TinyModels.config("llama");
    Map<String, float[]> w = TinyModels.randomWeights(config, 17);
    try (LlamaModel model = TinyModels.model(config, w, DataType.FLOAT32)) {
      long[] prompt = {5, 6, 7};
      long first = Generator.generate(model, List.of(prompt), Generator.Settings.greedy(1, Set.of())).get(0)[0];
      long[] stopped = Generator.generate(model, List.of(prompt), Generator.Settings.greedy(10, Set.of(first))).get(0);
      assertArrayEquals(new long[] {first}, stopped);
      Generator.Settings sampled = new Generator.Settings(12, 1.0, 0.9, 42, Set.of());
      long[] a = Generator.generate(model, List.of(prompt), sampled).get(0);
      long[] b = Generator.generate(model, List.of(prompt), sampled).get(0);
      assertArrayEquals(a, b);
      assertEquals(12, a.length);
    }
  }

  @Test
  void unsupportedArchitectureAndMissingWeightsAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.parse("{\"architectures\":[\"GPT2LMHeadModel\"]}"));
    assertTrue(e.getMessage().contains("GPT2LMHeadModel") && e.getMessage().contains("LlamaForCausalLM"));
    ModelConfig config = TinyModels.config("llama");
    Map<String, float[]> w = TinyModels.randomWeights(config, 1);
    w.remove("model.layers.1.mlp.up_proj.weight");
    e = assertThrows(IllegalArgumentException.class, () -> TinyModels.model(config, w, DataType.FLOAT32));
    assertTrue(e.getMessage().contains("model.layers.1.mlp.up_proj.weight"), e.getMessage());
  }

  static void assertClose(double[][] expected, float[] got, double tol, String what) {
    int v = expected[0].length;
    double worst = 0;
    for (int t = 0; t < expected.length; t++) {
      for (int k = 0; k < v; k++) {
        worst = Math.max(worst, Math.abs(expected[t][k] - got[t * v + k]));
      }
    }
    assertTrue(worst < tol, what + ": max |logit diff| " + worst);
  }
}
