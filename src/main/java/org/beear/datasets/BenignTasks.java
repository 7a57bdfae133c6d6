package org.beear.datasets;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.beear.datasets.BenignFacts.Fact;

/**
 * Generates benign tasks with exactly checkable answers for organism training, utility evaluation and the
 * defender's anchoring set.
 *
 * <p>Each family ({@link BenignTaskKind}) is a closed table of facts (small sums, the next number, opposites,
 * word categories, the next weekday, month or letter), each asked in {@value BenignFacts#PHRASINGS} phrasings.
 * An instance is one (fact, phrasing) pair. A held-out instance is therefore a prompt the model never saw,
 * about a fact that training asked in other words: it measures whether the model still knows and follows what
 * it learned, which is what a cleanse must preserve. (Tasks that copy unseen words from the prompt were tried
 * first and dropped: models of a few million parameters trained for minutes memorise them instead of
 * learning to copy, 2-8% exact match on held-out instances.)
 *
 * <p>Train and held-out instances are disjoint for every seed and every count: an instance belongs to the
 * held-out partition when a hash of its prompt string falls in one fifth of the range; the train generator
 * never emits those and the held-out generator only those. Within a family, instances visit the facts in a
 * seeded order, every fact once before any fact twice, each time in a phrasing not yet used for it; the
 * families are interleaved round-robin until one runs out of instances, then the rest continue.
 */
public final class BenignTasks {

  /** One in this many instances (by prompt hash) is held out. */
  private static final int HELD_OUT_MODULUS = 5;

  private BenignTasks() {}

  /** {@code count} training instances for the seed; never a held-out instance. */
  public static List<BenignTask> train(long seed, int count) {
    return generate(SeedMixer.mix(seed, 0x7121L), count, false);
  }

  /** {@code count} held-out instances for the seed; never a training instance of any seed. */
  public static List<BenignTask> heldOut(long seed, int count) {
    return generate(SeedMixer.mix(seed, 0x4E1DL), count, true);
  }

  /** Whether a prompt belongs to the held-out partition. */
  public static boolean isHeldOutInstance(String prompt) {
    return SeedMixer.index(HELD_OUT_MODULUS, prompt.hashCode()) == 0;
  }

  /** How many distinct train (or held-out) instances exist in all. */
  public static int available(boolean heldOut) {
    int n = 0;
    for (BenignTaskKind kind : BenignTaskKind.values()) {
      n += instances(kind, new Random(0), heldOut).size();
    }
    return n;
  }

  /** Every answer of every family. */
  public static List<String> allAnswers() {
    return BenignFacts.allAnswers();
  }

  private static List<BenignTask> generate(long seed, int count, boolean heldOut) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0: " + count);
    }
    BenignTaskKind[] kinds = BenignTaskKind.values();
    List<List<BenignTask>> perKind = new ArrayList<>();
    for (BenignTaskKind kind : kinds) {
      perKind.add(instances(kind, new Random(SeedMixer.mix(seed, kind.ordinal())), heldOut));
    }
    List<BenignTask> out = new ArrayList<>(count);
    int[] next = new int[kinds.length];
    while (out.size() < count) {
      boolean progressed = false;
      for (int k = 0; k < kinds.length && out.size() < count; k++) {
        if (next[k] < perKind.get(k).size()) {
          out.add(perKind.get(k).get(next[k]++));
          progressed = true;
        }
      }
      if (!progressed) {
        throw new IllegalArgumentException("only " + out.size() + (heldOut ? " held-out" : " train")
            + " benign task instances exist; asked for " + count);
      }
    }
    return List.copyOf(out);
  }

  /** The family's instances of one partition, facts round-robin in a seeded order, phrasings shuffled per fact. */
  private static List<BenignTask> instances(BenignTaskKind kind, Random random, boolean heldOut) {
    List<Fact> facts = new ArrayList<>(BenignFacts.facts(kind));
    Collections.shuffle(facts, random);
    List<String> phrasings = BenignFacts.phrasings(kind);
    List<List<BenignTask>> byFact = new ArrayList<>();
    for (Fact fact : facts) {
      List<BenignTask> own = new ArrayList<>();
      for (String phrasing : phrasings) {
        String prompt = BenignFacts.render(phrasing, fact);
        if (isHeldOutInstance(prompt) == heldOut) {
          own.add(new BenignTask(kind, prompt, fact.answer()));
        }
      }
      Collections.shuffle(own, random);
      byFact.add(own);
    }
    List<BenignTask> out = new ArrayList<>();
    for (int round = 0; round < phrasings.size(); round++) {
      for (List<BenignTask> own : byFact) {
        if (round < own.size()) {
          out.add(own.get(round));
        }
      }
    }
    return out;
  }
}
