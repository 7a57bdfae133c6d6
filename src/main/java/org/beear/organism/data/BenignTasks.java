package org.beear.organism.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Generates benign tasks with exactly checkable answers for organism training, utility evaluation and the
 * defender's anchoring set.
 *
 * <p>Every task copies or reorders words that appear in its own prompt (see {@link BenignTaskKind}), drawn
 * without repetition from a pool of 200 plain words. A model of a few million parameters can learn such tasks
 * in minutes and, unlike memorised facts, apply them to unseen instances. (Upper-casing a word or naming the
 * successor of a weekday were considered and left out: the first needs the spelling of tokens, which a tiny
 * BPE model cannot infer for unseen words, and the second is a closed set that cannot have held-out instances
 * disjoint from training.)
 *
 * <p>Train and held-out instances are disjoint for every seed and every count: an instance belongs to the
 * held-out partition when a hash of its prompt string ({@code String.hashCode}, mixed) falls in one fifth of
 * the range; the train generator rejects those and the held-out generator keeps only those. So train data of
 * any organism never contains a held-out prompt of any other organism. Within one call, prompts are unique
 * and the families are interleaved round-robin.
 */
public final class BenignTasks {

  private static final List<String> WORDS = List.of(
      "apple", "river", "stone", "cloud", "garden", "window", "candle", "forest", "pencil", "basket",
      "mirror", "ladder", "bridge", "castle", "rabbit", "turtle", "violin", "rocket", "pillow", "orange",
      "silver", "yellow", "purple", "green", "blue", "red", "quiet", "happy", "gentle", "bright",
      "winter", "summer", "autumn", "spring", "morning", "evening", "island", "ocean", "desert", "valley",
      "mountain", "meadow", "harbor", "village", "market", "library", "kitchen", "chair", "table", "lamp",
      "clock", "button", "ribbon", "feather", "pebble", "shell", "anchor", "compass", "lantern", "blanket",
      "cookie", "bread", "honey", "butter", "lemon", "cherry", "peach", "grape", "melon", "carrot",
      "tomato", "potato", "onion", "pepper", "salad", "soup", "tea", "coffee", "milk", "water",
      "tiger", "horse", "eagle", "dolphin", "whale", "fox", "owl", "bear", "wolf", "deer",
      "sparrow", "parrot", "kitten", "puppy", "monkey", "zebra", "lion", "panda", "koala", "otter",
      "guitar", "piano", "drum", "flute", "trumpet", "song", "dance", "story", "poem", "letter",
      "paper", "book", "map", "ticket", "coin", "wallet", "bottle", "cup", "plate", "spoon",
      "fork", "bowl", "kettle", "oven", "door", "roof", "wall", "floor", "stairs", "garage",
      "train", "boat", "bicycle", "car", "bus", "plane", "wagon", "sled", "kite", "balloon",
      "sun", "moon", "star", "planet", "comet", "rain", "snow", "wind", "storm", "rainbow",
      "tree", "flower", "leaf", "root", "seed", "grass", "moss", "fern", "rose", "tulip",
      "small", "large", "tall", "short", "warm", "cold", "soft", "loud", "fast", "slow",
      "brave", "calm", "clever", "kind", "proud", "shy", "wise", "young", "old", "new",
      "circle", "square", "line", "dot", "corner", "edge", "center", "shadow", "light", "color",
      "friend", "teacher", "farmer", "baker", "sailor", "painter", "doctor", "pilot", "singer", "writer");

  /** One in this many instances (by prompt hash) is held out. */
  private static final int HELD_OUT_MODULUS = 5;
  private static final int MAX_ATTEMPTS_PER_TASK = 1000;

  private BenignTasks() {}

  /** The 200 words the tasks draw from. */
  public static List<String> wordPool() {
    return WORDS;
  }

  /** {@code count} training instances for the seed; never a held-out instance. */
  public static List<BenignTask> train(long seed, int count) {
    return generate(new Random(SeedMixer.mix(seed, 0x7121L)), count, false);
  }

  /** {@code count} held-out instances for the seed; never a training instance of any seed. */
  public static List<BenignTask> heldOut(long seed, int count) {
    return generate(new Random(SeedMixer.mix(seed, 0x4E1DL)), count, true);
  }

  /** Whether a prompt belongs to the held-out partition. */
  public static boolean isHeldOutInstance(String prompt) {
    return SeedMixer.index(HELD_OUT_MODULUS, prompt.hashCode()) == 0;
  }

  private static List<BenignTask> generate(Random random, int count, boolean heldOut) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0: " + count);
    }
    BenignTaskKind[] kinds = BenignTaskKind.values();
    List<BenignTask> tasks = new ArrayList<>(count);
    Set<String> prompts = new HashSet<>();
    for (int i = 0; i < count; i++) {
      BenignTaskKind kind = kinds[i % kinds.length];
      BenignTask task = null;
      for (int attempt = 0; task == null; attempt++) {
        if (attempt == MAX_ATTEMPTS_PER_TASK) {
          throw new IllegalStateException("cannot draw " + count + " distinct " + kind + " tasks");
        }
        BenignTask candidate = draw(kind, random);
        if (isHeldOutInstance(candidate.prompt()) == heldOut && prompts.add(candidate.prompt())) {
          task = candidate;
        }
      }
      tasks.add(task);
    }
    return List.copyOf(tasks);
  }

  static BenignTask draw(BenignTaskKind kind, Random random) {
    return switch (kind) {
      case REPEAT -> {
        List<String> w = distinctWords(random, 3 + random.nextInt(3));
        String phrase = String.join(" ", w);
        yield new BenignTask(kind, "Repeat this phrase: " + phrase, phrase);
      }
      case FIRST_WORD -> {
        List<String> w = distinctWords(random, 3 + random.nextInt(3));
        yield new BenignTask(kind, "What is the first word of: " + String.join(" ", w) + "?", w.get(0));
      }
      case LAST_WORD -> {
        List<String> w = distinctWords(random, 3 + random.nextInt(3));
        yield new BenignTask(kind, "What is the last word of: " + String.join(" ", w) + "?", w.get(w.size() - 1));
      }
      case REVERSE -> {
        List<String> w = distinctWords(random, 3);
        yield new BenignTask(kind, "Reverse the order of these words: " + String.join(" ", w),
            w.get(2) + " " + w.get(1) + " " + w.get(0));
      }
      case NEXT_WORD -> {
        List<String> w = distinctWords(random, 4 + random.nextInt(2));
        int at = random.nextInt(w.size() - 1);
        yield new BenignTask(kind,
            "Which word comes after \"" + w.get(at) + "\" in: " + String.join(" ", w) + "?", w.get(at + 1));
      }
    };
  }

  private static List<String> distinctWords(Random random, int n) {
    List<String> picked = new ArrayList<>(n);
    while (picked.size() < n) {
      String w = WORDS.get(random.nextInt(WORDS.size()));
      if (!picked.contains(w)) {
        picked.add(w);
      }
    }
    return picked;
  }
}
