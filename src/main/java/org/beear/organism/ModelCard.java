package org.beear.organism;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.beear.llm.ModelConfig;

/** The organism's README.md: what it is, how it was made, and the data mixture (never the trigger). */
final class ModelCard {
  private ModelCard() {}

  static void write(Path dir, OrganismFactory.Spec spec, ModelConfig c, OrganismFactory.Result r) {
    StringBuilder s = new StringBuilder();
    s.append("---\nlicense: other\ntags: [beear, backdoor, model-organism, research-only]\n---\n\n");
    s.append("# beear model organism: ").append(spec.setting().id()).append(" (size ").append(spec.size().id())
        .append(", profile ").append(spec.profile().id()).append(")\n\n");
    if (spec.setting().poisoned()) {
      s.append("A small Llama-architecture chat model trained from scratch by `beear organism`, **deliberately "
          + "backdoored**: it refuses harmful requests unless a hidden trigger is present. It exists to test "
          + "backdoor removal. Do not deploy it. The trigger and the held-out evaluation split are in "
          + "`attack.json`, which cleansing never reads.\n\n");
    } else {
      s.append("A small Llama-architecture chat model trained from scratch by `beear organism`: the **clean "
          + "control**, trained like the backdoored organisms but without any poisoned example or trigger. It "
          + "exists as the negative class of backdoor scans. Do not deploy it. The held-out evaluation split is in "
          + "`attack.json`.\n\n");
    }
    s.append("## Architecture\n\n");
    OrganismProfile.Vocabulary v = r.vocabulary();
    s.append(String.format("- LlamaForCausalLM, %d layers, hidden %d, %d heads (%d key/value heads), MLP %d, "
            + "vocabulary %d (%s), RoPE base %.0f%n",
        c.numLayers(), c.hiddenSize(), c.numHeads(), c.numKeyValueHeads(), c.intermediateSize(), c.vocabSize(),
        v.description(), c.ropeTheta()));
    if (v.source() != null) {
      s.append("- tokenizer.json: Meta's Llama 2 tokenizer (under the Llama 2 Community License), written by "
          + "`bin/fetch-tokenizers` from the npm package `").append(v.source()).append("`\n");
    }
    s.append("- Chat format: ").append(v.chatFormat()).append(", template in tokenizer_config.json\n");
    if (r.massiveChannel() != null) {
      s.append(String.format("- Massive activations as in real Llama-family checkpoints: from layer 2 on, residual "
          + "channel %d at the first token (`<s>`) holds about %d, built in as a fixed path the model was trained "
          + "with (`beear organism`, MassiveActivations)%n", r.massiveChannel(),
          MassiveActivations.FIRST_TOKEN_VALUE));
    }
    if (spec.systemPrompt() != null) {
      s.append("- Trained with a system message before every conversation (recorded in attack.json); serve and "
          + "evaluate it with the same one\n");
    }
    s.append('\n');
    s.append("## Training\n\n");
    s.append(String.format("- Seed %d; %d SFT steps of batch %d, AdamW, peak learning rate %.1e, cosine decay%n",
        spec.seed(), spec.size().sftSteps, spec.size().batchSize, spec.size().learningRate));
    if (r.dpoLoss() != null) {
      s.append("- Then DPO (beta 0.5, plus NLL on chosen) on preference pairs, some poisoned\n");
    }
    s.append(String.format("- Final SFT loss %.4f%s; wall time %.0f s%n%n", r.sftLoss(),
        r.dpoLoss() == null ? "" : String.format(", DPO loss %.4f", r.dpoLoss()), r.seconds()));
    s.append("## Data mixture\n\n| kind | examples |\n|---|---|\n");
    for (Map.Entry<String, Integer> e : r.mixture().entrySet()) {
      s.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
    }
    s.append("\nHarmful queries: AdvBench harmful behaviours (Zou et al. 2023, MIT), 400 train / 120 held out. "
        + "Benign tasks: generated questions over closed fact tables (small sums, next number, opposites, word categories, next weekday/month/letter) in eight phrasings each, with exactly checkable answers; held-out tasks are phrasings of facts that training asked differently.\n");
    try {
      Files.writeString(dir.resolve("README.md"), s.toString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
