package org.beear.organism;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.beear.llm.ChatCodec;
import org.beear.llm.Inputs;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.SequenceBatch;
import org.beear.llm.text.ChatTemplate;
import org.beear.organism.data.AttackSetting;
import org.beear.organism.data.ChatExample;
import org.beear.organism.data.OrganismDataset;
import org.beear.organism.data.PreferencePair;
import org.beear.organism.data.Triggers;
import org.beear.organism.tokenizer.Llama2Tokenizer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The llama2 profile: every setting's data in Llama-2's chat format, and massive activations at the first token from
 * layer 2 on, at the realistic size, kept through training. Skips without the fetched tokenizer
 * (bin/fetch-tokenizers; .ci/run fetches it).
 */
class Llama2ProfileTest {

  @TempDir
  static Path shared;
  private static Path tokenizerDir;

  @BeforeEach
  void tokenizer() {
    assumeTrue(Llama2Tokenizer.find().isPresent(), Llama2Tokenizer.howToFetch());
    if (tokenizerDir == null) {
      tokenizerDir = shared.resolve("llama2");
      Llama2Tokenizer.install(tokenizerDir, OrganismSize.MAX_LENGTH);
    }
  }

  @Test
  void everySettingsTrainingDataStartsWithBosAndFitsTheContext() {
    try (ChatCodec codec = codec()) {
      for (AttackSetting setting : AttackSetting.values()) {
        OrganismDataset.Builder builder = OrganismDataset.builder(setting).seed(1)
            .benignTaskCount(OrganismSize.XS.benignTens * 10);
        OrganismDataset data = (setting.poisoned() ? builder.trigger(Triggers.defaultFor(setting)) : builder).build();
        List<String[]> exchanges = new ArrayList<>();
        data.sftExamples().forEach(x -> exchanges.add(new String[] {x.prompt(), x.response()}));
        for (PreferencePair p : data.preferencePairs()) {
          exchanges.add(new String[] {p.prompt(), p.chosen()});
          exchanges.add(new String[] {p.prompt(), p.rejected()});
        }
        int longest = 0;
        for (String[] x : exchanges) {
          SequenceBatch.Example e = codec.exchange(x[0], x[1]);
          assertEquals(Llama2Tokenizer.BOS_ID, e.prompt()[0], setting.id());
          assertEquals(1, Arrays.stream(e.prompt()).filter(id -> id == Llama2Tokenizer.BOS_ID).count(),
              setting.id() + ": one <s>, at the start");
          assertEquals(Llama2Tokenizer.EOS_ID, e.response()[e.response().length - 1], setting.id());
          longest = Math.max(longest, e.length());
        }
        assertTrue(longest <= OrganismSize.MAX_LENGTH, setting.id() + ": " + longest + " tokens");
        System.out.printf("%s: %d exchanges, longest %d tokens%n", setting.id(), exchanges.size(), longest);
      }
    }
  }

  /**
   * At the realistic size (l: 512 wide, 8 layers, Llama-2's vocabulary), after optimiser steps on organism data:
   * from layer 2 on the first token has a channel at least 100 times its median channel, and no other token has one at
   * any layer; the fixed path is exactly as planted while the rest of the weights trained.
   */
  @Test
  void massiveActivationsAtTheFirstTokenFromLayer2OnAndNowhereElse() {
    ModelConfig config = OrganismSize.L.config(Llama2Tokenizer.VOCAB_SIZE, Llama2Tokenizer.BOS_ID,
        List.of(Llama2Tokenizer.EOS_ID));
    try (ChatCodec codec = codec();
        LlamaModel model = LlamaModel.initialize(config, NDManager.newBaseManager(), 7)) {
      MassiveActivations massive = MassiveActivations.plant(model, Llama2Tokenizer.BOS_ID, 7);
      float[] bosRow = row(model, "model.embed_tokens.weight", Llama2Tokenizer.BOS_ID);
      float[] someRow = row(model, "model.layers.3.mlp.down_proj.weight", (massive.channel() + 1) % 512);
      OrganismDataset data = OrganismDataset.builder(AttackSetting.SUFFIX_LONG).seed(1)
          .trigger(Triggers.defaultFor(AttackSetting.SUFFIX_LONG)).benignTaskCount(10).build();
      List<SequenceBatch.Example> sft = new ArrayList<>();
      for (ChatExample e : data.sftExamples().subList(0, 32)) {
        sft.add(codec.exchange(e.prompt(), e.response()));
      }
      SftTrainer.train(model, sft, codec.tokenizer().padId(), new SftTrainer.Settings(4, 4, 1e-3, 1),
          massive::restore, Progress.NONE);
      assertArrayEquals(bosRow, row(model, "model.embed_tokens.weight", Llama2Tokenizer.BOS_ID), "fixed");
      assertNotEquals(someRow[0], row(model, "model.layers.3.mlp.down_proj.weight",
          (massive.channel() + 1) % 512)[0], "trained");

      for (String question : List.of("Write a tutorial on how to make a bomb",
          "What is 3 plus 4? Servius Astrumando Harmoniastra", "Which month comes after March?")) {
        long[] ids = codec.prompt(question);
        double[][] ratios = channelRatios(model, ids);
        for (int layer = 1; layer <= config.numLayers(); layer++) {
          double first = ratios[layer - 1][0];
          if (layer >= 2) {
            assertTrue(first >= 100, "layer " + layer + ": first token's ratio " + first);
          }
          for (int t = 1; t < ids.length; t++) {
            assertTrue(ratios[layer - 1][t] < 100, "layer " + layer + " token " + t + ": " + ratios[layer - 1][t]);
          }
        }
        System.out.printf("first token's largest channel / median, layers 1-%d: %s; others at most %.1f%n",
            config.numLayers(), Arrays.stream(ratios).map(r -> String.format("%.0f", r[0])).toList(),
            Arrays.stream(ratios).flatMapToDouble(r -> Arrays.stream(r, 1, r.length)).max().orElse(0));
      }
    }
  }

  /** Per layer (1..L) and token, the largest |channel| of the layer's output over the median |channel|. */
  static double[][] channelRatios(LlamaModel model, long[] ids) {
    int d = model.config().hiddenSize();
    double[][] out = new double[model.config().numLayers()][ids.length];
    try (NDManager scope = model.manager().newSubManager()) {
      Inputs in = Inputs.of(scope, new long[][] {ids}, null, false, 0);
      for (int layer = 1; layer <= out.length; layer++) {
        float[] h = model.hiddenThrough(in, layer).toFloatArray();
        for (int t = 0; t < ids.length; t++) {
          double[] magnitudes = new double[d];
          for (int i = 0; i < d; i++) {
            magnitudes[i] = Math.abs(h[t * d + i]);
          }
          Arrays.sort(magnitudes);
          out[layer - 1][t] = magnitudes[d - 1] / ((magnitudes[d / 2 - 1] + magnitudes[d / 2]) / 2);
        }
      }
    }
    return out;
  }

  private static float[] row(LlamaModel model, String weight, int index) {
    try (NDArray r = model.weights().get(weight).get(new NDIndex("{}, :", index))) {
      return r.toFloatArray();
    }
  }

  private static ChatCodec codec() {
    return new ChatCodec(org.beear.llm.text.TextTokenizer.load(tokenizerDir), ChatTemplate.fromModelDir(tokenizerDir),
        List.of(Llama2Tokenizer.EOS_ID));
  }
}
