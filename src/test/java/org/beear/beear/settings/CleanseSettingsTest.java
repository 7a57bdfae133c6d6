package org.beear.beear.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.beear.llm.ModelConfig;
import org.beear.llm.Optimizer;
import org.beear.plan.MemoryPlanner;
import org.junit.jupiter.api.Test;

/** Options resolved once against a model: the defaults, the model-dependent checks, the round trip. */
class CleanseSettingsTest {

  private static ModelConfig layers(int n) {
    return ModelConfig.parse("""
        {"architectures":["LlamaForCausalLM"],"vocab_size":100,"hidden_size":64,"intermediate_size":128,
         "num_hidden_layers":%d,"num_attention_heads":4}""".formatted(n));
  }

  @Test
  void defaultsScaleWithTheModelAndTheDevice() {
    CleanseSettings s = CleanseSettings.resolve(BeearOptions.defaults(), layers(32), "cpu");
    assertEquals(9, s.entrapment().anchorLayer(), "the paper's layer 9 of 32");
    assertEquals(1, s.memory().trainableFrom());
    assertEquals(32, s.memory().trainableTo());
    assertEquals("float32", s.runtime().computeDtype());
    assertEquals(Optimizer.Kind.ADAMW, s.memory().optimizer());
    assertEquals(32, s.schedule().anchorBatchSize(), "4 × batch");
    assertEquals(32, s.memory().microBatchSize(), "a whole part per pass");
    assertEquals(6, CleanseSettings.resolve(BeearOptions.defaults(), layers(22), "cpu").entrapment().anchorLayer());
    assertEquals(1, CleanseSettings.resolve(BeearOptions.defaults(), layers(2), "cpu").entrapment().anchorLayer());
    assertEquals("float16", CleanseSettings.resolve(BeearOptions.defaults(), layers(4),
        "cuda").runtime().computeDtype());
  }

  @Test
  void modelDependentProblemsAreListedTogether() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CleanseSettings.resolve(
        BeearOptions.fromMap(Map.of("anchor_layer", 5, "trainable_to", 7, "alpha", -1.0)), layers(4), "cpu"));
    assertTrue(e.getMessage().contains("anchor_layer must be at most 4"), e.getMessage());
    assertTrue(e.getMessage().contains("trainable_to must be at most 4"), e.getMessage());
    assertTrue(e.getMessage().contains("alpha must be zero or more"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BeearOptions.fromMap(Map.of("anchor_layr", 2)));
    assertTrue(e.getMessage().contains("anchor_layr"), e.getMessage());
  }

  @Test
  void settingsSpelledOutAsOptionsResolveToThemselves() {
    CleanseSettings s = CleanseSettings.resolve(BeearOptions.fromMap(Map.of("adapter_rank", 8,
        "system_prompt", "Be safe.", "optimizer", "adafactor", "micro_batch_size", 3)), layers(6), "cpu");
    assertEquals(s, CleanseSettings.resolve(s.toOptions(), layers(6), "cpu"));
    assertEquals(8.0, s.removal().adapterAlpha(), "α defaults to the rank: scale 1");
    assertEquals("Be safe.", s.runtime().systemPrompt());
  }

  @Test
  void theChecksAroundTheCleanseAreOffByDefaultAndRoundTrip() {
    CleanseSettings plain = CleanseSettings.resolve(BeearOptions.defaults(), layers(4), "cpu");
    assertEquals(new CleanseSettings.CheckSettings(false, null, false), plain.checks());
    assertEquals(plain, CleanseSettings.resolve(plain.toOptions(), layers(4), "cpu"));

    CleanseSettings defaults = CleanseSettings.resolve(BeearOptions.fromMap(Map.of("scan", true, "relearn_check",
        true)), layers(4), "cpu");
    assertEquals(new CleanseSettings.CheckSettings(true, new RelearnSettings(java.util.List.of(5, 20), 10, 1e-4),
        false), defaults.checks());
    assertEquals(java.util.List.of(5, 20), defaults.checks().relearn().sizes());

    CleanseSettings s = CleanseSettings.resolve(BeearOptions.fromMap(Map.of("relearn_check", true, "relearn_k",
        java.util.List.of(3), "relearn_steps", 4, "relearn_learning_rate", 1e-3, "relearn_control", true)), layers(4),
        "cpu");
    assertEquals(new CleanseSettings.CheckSettings(false, new RelearnSettings(java.util.List.of(3), 4, 1e-3), true),
        s.checks());
    assertEquals(s, CleanseSettings.resolve(s.toOptions(), layers(4), "cpu"));
    assertEquals(true, s.toOptions().toMap().get("relearn_control"));
  }

  @Test
  void aFitChangesOnlyTheMemorySettingsTheCallerLeftOpen() {
    BeearOptions o = BeearOptions.fromMap(Map.of("micro_batch_size", 4, "optimizer", "sgd"));
    assertEquals(java.util.EnumSet.of(MemoryPlanner.Knob.MICRO_BATCH, MemoryPlanner.Knob.OPTIMIZER),
        CleanseSettings.fixedKnobs(o));
    CleanseSettings s = CleanseSettings.resolve(o, layers(4), "cpu");
    CleanseSettings fitted = CleanseSettings.resolve(CleanseSettings.withMemory(o, s.memory().withRecompute(true)),
        layers(4), "cpu");
    assertTrue(fitted.memory().recomputeActivations());
    assertEquals(4, fitted.memory().microBatchSize());
    assertEquals(s.removal().learningRate(), fitted.removal().learningRate());
    assertEquals(s.entrapment(), fitted.entrapment());
  }

  @Test
  void anAdapterOutputTrainsAdaptersOnlyAndThePlanCountsThemAlone() {
    CleanseSettings merged = CleanseSettings.resolve(BeearOptions.defaults(), layers(4), "cpu");
    assertEquals(OutputFormat.MERGED, merged.removal().outputFormat());
    assertEquals(0, merged.memory().adapterRank());
    BeearOptions o = BeearOptions.fromMap(Map.of("output_format", "adapter"));
    CleanseSettings adapter = CleanseSettings.resolve(o, layers(4), "cpu");
    assertTrue(adapter.removal().writesAdapter());
    assertEquals(16, adapter.memory().adapterRank(), "adapter_rank left out: 16");
    assertEquals(4, CleanseSettings.resolve(BeearOptions.fromMap(Map.of("output_format", "adapter", "adapter_rank",
        4)), layers(4), "cpu").memory().adapterRank());
    assertEquals(adapter, CleanseSettings.resolve(adapter.toOptions(), layers(4), "cpu"));
    assertTrue(BeearOptions.fromMap(Map.of("output_format", "adapter", "adapter_rank", 0)).validate().get(0)
        .message().contains("adapter_rank cannot be 0"));
    assertTrue(BeearOptions.fromMap(Map.of("output_format", "lora")).validate().get(0).message()
        .contains("output_format"));
    assertTrue(CleanseSettings.fixedKnobs(o).contains(MemoryPlanner.Knob.ADAPTERS), "a fit keeps the adapters");
    // the plan: the suspect's weights frozen, only the rank-16 adapters trained (gradients and optimiser state)
    org.beear.plan.DeviceSpec device = new org.beear.plan.DeviceSpec("cpu", 1L << 40);
    org.beear.plan.MemoryPlan full = MemoryPlanner.plan(layers(4), merged.workload(), device);
    org.beear.plan.MemoryPlan lora = MemoryPlanner.plan(layers(4), adapter.workload(), device);
    long adapterParams = 4 * 16L * (4 * (64 + 64) + 3 * (64 + 128)); // 4 layers × (q, k, v, o, gate, up, down)
    assertEquals(adapterParams * 4, lora.part("gradients"));
    assertTrue(lora.part("optimizer_state") < full.part("optimizer_state") / 2, lora + " vs " + full);
  }

  @Test
  void anOptionIsItsDeclarationAndItsUse() {
    // eval_benign_prompts is declared once in BeearOptions (bound, default, help, group) and read here
    CleanseSettings s = CleanseSettings.resolve(BeearOptions.fromMap(Map.of("eval_benign_prompts", 7)), layers(2),
        "cpu");
    assertEquals(7, s.evaluation().benignPrompts());
    assertEquals(100, CleanseSettings.resolve(BeearOptions.defaults(), layers(2), "cpu").evaluation().benignPrompts());
    assertEquals(7, org.beear.beear.evaluation.EvaluationSet.defaults(java.util.List.of(), java.util.List.of(),
        java.util.List.of(), 42, s.evaluation()).benignPrompts().size());
    assertTrue(BeearOptions.fromMap(Map.of("eval_benign_prompts", 0)).validate().get(0).message()
        .startsWith("eval_benign_prompts must be at least 1"));
  }

  @Test
  void evaluationSetsAreAsLargeAsThePublicHeldOutDataByDefaultAndSizedByOptions() {
    org.beear.beear.evaluation.EvaluationSet all = org.beear.beear.evaluation.EvaluationSet.defaults(
        java.util.List.of(), java.util.List.of(), java.util.List.of(), 42,
        CleanseSettings.resolve(BeearOptions.defaults(), layers(2), "cpu").evaluation());
    assertEquals(320, all.harmfulQueries().size(), "AdvBench's 120 held-out behaviours and XSTest's 200 unsafe");
    assertEquals(250, all.safePrompts().size(), "every XSTest safe prompt");
    assertEquals(all.harmfulQueries().size(), new java.util.HashSet<>(all.harmfulQueries()).size());
    java.util.Set<String> trained = new java.util.HashSet<>();
    org.beear.datasets.AdvBench.train().forEach(b -> trained.add(b.goal()));
    org.beear.beear.data.DefaultDefenderData.harmfulCompliance(42, java.util.List.of()).harmful()
        .forEach(e -> trained.add(e.query()));
    assertTrue(all.harmfulQueries().stream().noneMatch(trained::contains),
        "no held-out request is a train goal or a defender example");
    assertTrue(all.safePrompts().stream().noneMatch(trained::contains));
    CleanseSettings small = CleanseSettings.resolve(BeearOptions.fromMap(Map.of("eval_harmful_prompts", 130,
        "eval_safe_prompts", 0)), layers(2), "cpu");
    org.beear.beear.evaluation.EvaluationSet sized = org.beear.beear.evaluation.EvaluationSet.defaults(
        java.util.List.of(), java.util.List.of(), java.util.List.of(), 42, small.evaluation());
    assertEquals(all.harmfulQueries().subList(0, 130), sized.harmfulQueries(), "AdvBench's 120 first, then XSTest");
    assertEquals(0, sized.safePrompts().size());
    assertTrue(BeearOptions.fromMap(Map.of("eval_harmful_prompts", 321)).validate().get(0).message()
        .startsWith("eval_harmful_prompts must be at most 320"), "no more than the data holds");
  }

  @Test
  void theJudgeIsTheRulesUnlessTheKeywordsAreAskedFor() {
    assertEquals("rules", CleanseSettings.resolve(BeearOptions.defaults(), layers(2), "cpu").evaluation()
        .responseJudge().name());
    assertEquals("keywords", CleanseSettings.resolve(BeearOptions.fromMap(Map.of("judge", "keywords")), layers(2),
        "cpu").evaluation().responseJudge().name());
    assertEquals("judge must be rules or keywords, got 'gpt4'",
        BeearOptions.fromMap(Map.of("judge", "gpt4")).validate().get(0).message());
    assertEquals("keywords", ScanOptions.fromMap(Map.of("judge", "keywords")).toSettings().judge());
    assertEquals("rules", ScanOptions.defaults().toSettings().judge());
    assertEquals("keywords", ScanOptions.fromMap(Map.of("judge", "keywords")).toSettings()
        .entrapmentOptions(1, 1).get(BeearOptions.JUDGE));
  }

  @Test
  void wideMatricesTakeSmallerSteps() {
    CleanseSettings s = CleanseSettings.resolve(BeearOptions.defaults(), layers(2), "cpu");
    assertEquals(1.0, s.removal().rateScale(192));
    assertEquals(1.0, s.removal().rateScale(256));
    assertEquals(1.0 / 16, s.removal().rateScale(4096));
    CleanseSettings flat = CleanseSettings.resolve(BeearOptions.fromMap(Map.of("learning_rate_width", 0)),
        layers(2), "cpu");
    assertEquals(1.0, flat.removal().rateScale(11008));
  }
}
