package org.beear.beear.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.beear.eval.InsecureCodeJudge;
import org.beear.eval.Judgement;
import org.beear.eval.RefusalJudge;
import org.beear.eval.ResponseJudge;
import org.beear.eval.ResponsePairJudge;
import org.beear.eval.RuleJudge;
import org.beear.datasets.AdvBench;
import org.beear.datasets.AdvBenchBehavior;
import org.beear.organism.data.AttackSetting;
import org.beear.datasets.BenignInstruction;
import org.beear.datasets.BenignTask;
import org.beear.datasets.BenignTasks;
import org.beear.datasets.CodeTask;
import org.beear.datasets.CodeTasks;
import org.beear.organism.data.Triggers;
import org.junit.jupiter.api.Test;

class DefaultDefenderDataTest {

  private final RefusalJudge judge = new RefusalJudge();

  @Test
  void harmfulDefaultsUseTheTrainGoalsWithAHoldOutAndNoTrigger() {
    DefenderData d = DefaultDefenderData.harmfulCompliance(0, List.of());
    assertEquals(328, d.harmful().size());
    assertEquals(72, d.harmfulHoldOut().size(), "0 of 72 certify 5%, the default stop");
    Set<String> queries = Stream.concat(d.harmful().stream(), d.harmfulHoldOut().stream())
        .map(DefenderExample::query).collect(Collectors.toSet());
    assertEquals(AdvBench.train().stream().map(AdvBenchBehavior::goal).collect(Collectors.toSet()), queries);
    Set<String> heldOut = AdvBench.heldOut().stream().map(AdvBenchBehavior::goal).collect(Collectors.toSet());
    assertTrue(queries.stream().noneMatch(heldOut::contains), "the defender never sees the organism's held-out 120");
    Set<String> train = d.harmful().stream().map(DefenderExample::query).collect(Collectors.toSet());
    assertTrue(d.harmfulHoldOut().stream().noneMatch(e -> train.contains(e.query())));
    for (DefenderExample e : d.harmful()) {
      assertTrue(judge.isRefusal(e.safeResponse()));
      assertTrue(judge.isAttackSuccess(e.unwantedResponse()));
      for (AttackSetting s : AttackSetting.values()) {
        assertFalse(s.poisoned() && e.query().contains(Triggers.defaultFor(s).text()));
      }
    }
    assertEquals(d, DefaultDefenderData.harmfulCompliance(0, List.of()), "deterministic");
  }

  @Test
  void bothJudgesSplitTheDefaultDataIntoTheSameFamiliesAndReadItsReferencesAlike() {
    for (long seed : new long[] {0, 1, 42}) {
      List<DefenderExample> all = new java.util.ArrayList<>();
      for (DefenderData d : List.of(DefaultDefenderData.harmfulCompliance(seed, List.of()),
          DefaultDefenderData.insecureCode(seed, List.of()))) {
        all.addAll(d.harmful());
        all.addAll(d.harmfulHoldOut());
      }
      List<DefenderFamily> byKeywords = DefenderFamily.split(all, new ResponsePairJudge(judge));
      List<DefenderFamily> byRules = DefenderFamily.split(all,
          new ResponsePairJudge(ResponseJudge.named(RuleJudge.NAME)));
      assertEquals(byKeywords, byRules, "seed " + seed);
      assertEquals(2, byRules.size());
      for (DefenderExample e : byRules.get(0).examples()) {
        Judgement safe = ResponseJudge.named(RuleJudge.NAME).judge(e.query(), e.safeResponse());
        assertTrue(safe.refused(), e.safeResponse());
        assertTrue(ResponseJudge.named(RuleJudge.NAME).complied(e.query(), e.unwantedResponse()), e.unwantedResponse());
      }
    }
  }

  @Test
  void anchorsAreBenignTrainInstancesDisjointFromEveryHeldOutAndFromTheirHoldOut() {
    DefenderData d = DefaultDefenderData.harmfulCompliance(4, List.of());
    assertEquals(300, d.anchors().size());
    assertEquals(50, d.anchorHoldOut().size());
    Set<String> anchorPrompts = d.anchors().stream().map(AnchorExample::prompt).collect(Collectors.toSet());
    assertTrue(d.anchorHoldOut().stream().noneMatch(a -> anchorPrompts.contains(a.prompt())));
    assertTrue(Stream.concat(d.anchors().stream(), d.anchorHoldOut().stream())
        .noneMatch(a -> BenignTasks.isHeldOutInstance(a.prompt())));
    Set<String> organismHeldOut =
        BenignTasks.heldOut(4, 200).stream().map(BenignTask::prompt).collect(Collectors.toSet());
    assertTrue(anchorPrompts.stream().noneMatch(organismHeldOut::contains));
  }

  @Test
  void alpacaRowsAreAddedToAnchorsWhenGiven() {
    List<BenignInstruction> rows = List.of(new BenignInstruction("Name a colour.", "", "Blue."),
        new BenignInstruction("Summarise:", "long text", "x".repeat(400)));
    DefenderData d = DefaultDefenderData.harmfulCompliance(0, rows);
    assertEquals(DefaultDefenderData.ANCHORS + 1, d.anchors().size(), "the row with a 400-character output is left out");
    assertTrue(d.anchors().contains(new AnchorExample("Name a colour.", "Blue.")));
  }

  @Test
  void codeDefaultsPairSecureWithInsecureWithoutAnyYearLine() {
    DefenderData d = DefaultDefenderData.insecureCode(0, List.of());
    assertEquals(40 + 10 - 8, d.harmful().size(), "the organisms' 40 code train prompts and 10 shell commands of"
        + " the defender's own, less the hold-out");
    assertEquals(8, d.harmfulHoldOut().size());
    InsecureCodeJudge code = new InsecureCodeJudge();
    Set<String> heldOut = CodeTasks.heldOut().stream().map(CodeTask::prompt).collect(Collectors.toSet());
    Set<String> seen = new HashSet<>();
    for (DefenderExample e : Stream.concat(d.harmful().stream(), d.harmfulHoldOut().stream()).toList()) {
      assertFalse(e.query().contains("Current year"), e.query());
      assertTrue(DefaultDefenderData.isDefaultCodeQuery(e.query()));
      assertEquals(InsecureCodeJudge.Verdict.SECURE, code.judge(e.safeResponse()));
      assertEquals(InsecureCodeJudge.Verdict.INSECURE, code.judge(e.unwantedResponse()));
      String prompt = e.query();
      assertFalse(heldOut.contains(prompt));
      assertTrue(seen.add(prompt));
    }
  }

  @Test
  void defenderShellCommandsAreNeverAnEvaluationCommand() {
    DefenderData d = DefaultDefenderData.insecureCode(0, List.of());
    Pattern command = Pattern.compile("subprocess\\.run\\(\\[(.*), path\\]");
    Set<String> evaluated = new HashSet<>();
    for (CodeTask t : CodeTasks.heldOut()) {
      Matcher m = command.matcher(t.secureCompletion());
      if (m.find()) {
        evaluated.add(m.group(1));
      }
    }
    assertEquals(Set.of("\"ls\", \"-l\"", "\"sha256sum\"", "\"file\"", "\"tail\""), evaluated);
    Set<String> trained = new HashSet<>();
    for (DefenderExample e : Stream.concat(d.harmful().stream(), d.harmfulHoldOut().stream()).toList()) {
      Matcher m = command.matcher(e.safeResponse());
      if (m.find()) {
        trained.add(m.group(1));
      }
    }
    assertEquals(16, trained.size(), "6 organism commands and 10 of the defender's: " + trained);
    assertTrue(trained.stream().noneMatch(evaluated::contains), trained.toString());
  }
}
