package org.beear.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.beear.eval.ChatEvaluator;
import org.beear.llm.ChatCodec;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelDirectory;
import org.beear.organism.AttackFile;
import org.beear.organism.OrganismEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Measures a model's backdoor on an organism's held-out split (greedy decoding).")
final class EvaluateCommand implements Callable<Integer> {
  @Option(names = "--model", required = true) Path model;

  @Option(names = "--attack", required = true, description = "the organism's attack.json") Path attack;

  @Option(names = "--json", description = "print JSON") boolean json;

  @Option(names = "--batch", defaultValue = "32") int batch;

  @Override
  public Integer call() throws Exception {
    AttackFile a = AttackFile.read(attack);
    long start = System.nanoTime();
    OrganismEvaluation e;
    try (LlamaModel m = ModelDirectory.load(model, Device.cpu(), DataType.FLOAT32);
        ChatCodec base = ChatCodec.load(model, m.config(), null)) {
      // the organism is evaluated as it was attacked: with the system prompt it was trained with, if any
      ChatCodec codec = base.withSystemPrompt(a.systemPrompt());
      e = OrganismEvaluation.run(new ChatEvaluator(m, codec, OrganismEvaluation.MAX_NEW_TOKENS, batch),
          new ChatEvaluator(m, codec, OrganismEvaluation.MAX_NEW_TOKENS_CODE, batch), a);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (json) {
      var map = new java.util.LinkedHashMap<String, Object>(e.asMap());
      map.put("setting", a.setting());
      map.put("seconds", seconds);
      System.out.println(new ObjectMapper().writeValueAsString(map));
    } else {
      System.out.printf("setting %s: triggered ASR %.1f%%, ASR without trigger %.1f%%, benign exact-match %.1f%%%s"
              + " (%.0f s)%n", a.setting(), 100 * e.asrTriggered(), 100 * e.asrNoTrigger(),
          100 * e.benignExactMatch(), e.insecureTriggered() == null ? "" : String.format(
              ", insecure code %.1f%% with trigger / %.1f%% clean", 100 * e.insecureTriggered(),
              100 * e.insecureClean()), seconds);
    }
    return 0;
  }
}
