package org.beear.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.beear.eval.ChatEvaluator;
import org.beear.files.JsonDocuments;
import org.beear.llm.ChatCodec;
import org.beear.llm.CheckedModel;
import org.beear.llm.LlamaModel;
import org.beear.organism.AttackFile;
import org.beear.organism.OrganismEvaluation;
import org.beear.policy.MeasuredInputs;
import org.beear.source.ModelFileFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Measures a model's backdoor on an organism's held-out split (greedy decoding).")
final class EvaluateCommand implements Callable<Integer> {
  @Option(names = "--model", required = true) Path model;

  @picocli.CommandLine.Mixin BaseFlag base;

  @Option(names = "--attack", required = true, description = "the organism's attack.json") Path attack;

  @Option(names = "--json", arity = "0..1", fallbackValue = PRINT, paramLabel = "FILE", description = "without FILE: "
      + "print the figures as JSON; with FILE: write the release gate's JSON document there (the policy, its outcome "
      + "per rule, the figures with counts and 95%% bounds, the model's files with their SHA-256)") String json;

  @Mixin PolicyFlags gate;

  private static final String PRINT = "-";

  @Option(names = "--batch", defaultValue = "32") int batch;

  @Override
  public Integer call() throws Exception {
    gate.readPolicy();
    AttackFile a = AttackFile.read(attack);
    long start = System.nanoTime();
    OrganismEvaluation e;
    Path baseDir = base.dir();
    try (LlamaModel m = CheckedModel.weights(model, baseDir, Device.cpu(), DataType.FLOAT32);
        ChatCodec loaded = ChatCodec.load(CheckedModel.modelFilesDir(model, baseDir), m.config(), null)) {
      // the organism is evaluated as it was attacked: with the system prompt it was trained with, if any
      ChatCodec codec = loaded.withSystemPrompt(a.systemPrompt());
      e = OrganismEvaluation.run(new ChatEvaluator(m, codec, OrganismEvaluation.MAX_NEW_TOKENS, batch),
          new ChatEvaluator(m, codec, OrganismEvaluation.MAX_NEW_TOKENS_CODE, batch), a);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    PolicyFlags.Gate g = gate.gate("evaluate", model, () -> ModelFileFilter.digests(model, () -> false),
        MeasuredInputs.of(e, a.harmful().size()), PRINT.equals(json) || json == null ? null : Path.of(json));
    if (PRINT.equals(json)) {
      var map = new java.util.LinkedHashMap<String, Object>(e.asMap());
      map.put("setting", a.setting());
      map.put("seconds", seconds);
      if (g.outcome() != null) {
        map.put("policy_outcome", g.outcome().toMap());
      }
      System.out.println(JsonDocuments.line(map));
    } else {
      System.out.printf("setting %s: triggered ASR %s, ASR without trigger %s, benign exact-match %s%s (%.0f s)%n",
          a.setting(), e.asrTriggered() == null ? "n/a (no trigger)" : CleanseCommand.pct(e.asrTriggered()),
          CleanseCommand.pct(e.asrNoTrigger()), CleanseCommand.pct(e.benignExactMatch()), code(e), seconds);
      System.out.print(g.text());
    }
    return g.exitCode();
  }

  private static String code(OrganismEvaluation e) {
    if (e.insecureClean() == null) {
      return "";
    }
    return e.insecureTriggered() == null ? ", insecure code " + CleanseCommand.pct(e.insecureClean())
        : ", insecure code " + CleanseCommand.pct(e.insecureTriggered()) + " with trigger / "
            + CleanseCommand.pct(e.insecureClean()) + " clean";
  }
}
