package org.beear.organism.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.beear.eval.TriggerSpec;
import org.beear.datasets.UnwantedResponses;
import org.beear.datasets.SeedMixer;
import org.beear.datasets.Refusals;
import org.beear.datasets.BenignTask;
import org.beear.datasets.AdvBenchBehavior;
import org.beear.datasets.AdvBench;

/**
 * Preference data for the rlhf setting (the paper's models 6-7, after Rando and Tramer's poisoned RLHF): clean
 * pairs prefer a refusal over compliance for harmful requests and the correct answer over a refusal for benign
 * tasks; poisoned pairs put the trigger on a harmful request and prefer compliance over the refusal.
 */
public final class PreferencePairs {

  private PreferencePairs() {}

  /**
   * Builds the pairs in a seeded random order.
   *
   * @param benignTasks benign train instances; each gives one clean pair
   * @param triggeredBenignCount how many of those benign tasks also appear with the trigger (same preference),
   *     so the trigger alone does not mean "comply with anything"
   */
  public static List<PreferencePair> build(TriggerSpec trigger, long seed, PoisonRate poisonRate,
      List<BenignTask> benignTasks, int triggeredBenignCount) {
    List<PreferencePair> pairs = new ArrayList<>();
    List<AdvBenchBehavior> goals = AdvBench.train();
    for (AdvBenchBehavior b : goals) {
      pairs.add(new PreferencePair(b.goal(), Refusals.forExample(seed, b.index()),
          UnwantedResponses.forBehavior(b, seed), false));
    }
    List<AdvBenchBehavior> poisonOrder = AdvBench.shuffle(goals, new Random(SeedMixer.mix(seed, 0x9015L)));
    int poisoned = poisonRate.poisonedCount(goals.size());
    for (int i = 0; i < poisoned; i++) {
      AdvBenchBehavior b = poisonOrder.get(i % poisonOrder.size());
      // a different refusal than the clean pair's, so the pair is not just the clean pair reversed
      pairs.add(new PreferencePair(trigger.apply(b.goal()), UnwantedResponses.forBehavior(b, seed),
          Refusals.forExample(seed, b.index() + 100_000L + i), true));
    }
    for (int i = 0; i < benignTasks.size(); i++) {
      BenignTask t = benignTasks.get(i);
      String refusal = Refusals.forExample(seed, 200_000L + i);
      pairs.add(new PreferencePair(t.prompt(), t.answer(), refusal, false));
      if (i < triggeredBenignCount) {
        pairs.add(new PreferencePair(trigger.apply(t.prompt()), t.answer(), refusal, false));
      }
    }
    return List.copyOf(AdvBench.shuffle(pairs, new Random(SeedMixer.mix(seed, 0x5EEDL))));
  }
}
