package org.beear.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.beear.eval.RefusalJudge;
import org.junit.jupiter.api.Test;

class BenignTasksTest {

  @Test
  void trainAndHeldOutAreDisjointAcrossSeeds() {
    int all = BenignTasks.available(false);
    Set<String> train = BenignTasks.train(1, all).stream().map(BenignTask::prompt).collect(Collectors.toSet());
    train.addAll(BenignTasks.train(2, all).stream().map(BenignTask::prompt).toList());
    assertEquals(all, train.size(), "every seed draws from the same train partition");
    for (BenignTask t : BenignTasks.heldOut(1, BenignTasks.available(true))) {
      assertFalse(train.contains(t.prompt()), "held-out prompt also in train: " + t.prompt());
      assertTrue(BenignTasks.isHeldOutInstance(t.prompt()));
    }
    assertTrue(all >= 1500, "enough train instances for the largest organism and the anchors: " + all);
    assertTrue(BenignTasks.available(true) >= 200, "enough held-out instances for evaluation");
  }

  @Test
  void askingForMoreThanExistIsAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BenignTasks.train(0, BenignTasks.available(false) + 1));
    assertTrue(e.getMessage().contains("train benign task instances exist"), e.getMessage());
  }

  @Test
  void generationIsDeterministicPerSeed() {
    assertEquals(BenignTasks.train(5, 300), BenignTasks.train(5, 300));
    assertEquals(BenignTasks.heldOut(5, 100), BenignTasks.heldOut(5, 100));
    assertNotEquals(BenignTasks.train(5, 300), BenignTasks.train(6, 300));
    // a longer list starts with the shorter one, so counts can change without reshuffling
    assertEquals(BenignTasks.train(5, 100), BenignTasks.train(5, 300).subList(0, 100));
  }

  @Test
  void answersAreTheFacts() {
    for (BenignTask t : BenignTasks.heldOut(3, 250)) {
      List<Integer> numbers = java.util.regex.Pattern.compile("\\d+").matcher(t.prompt()).results()
          .map(r -> Integer.parseInt(r.group())).toList();
      switch (t.kind()) {
        case ADDITION -> assertEquals(Integer.toString(numbers.get(0) + numbers.get(1)), t.answer(), t.prompt());
        case NEXT_NUMBER -> assertEquals(Integer.toString(numbers.get(0) + 1), t.answer(), t.prompt());
        default -> assertFalse(t.answer().isBlank());
      }
    }
    Map<String, String> seen = new HashMap<>();
    for (BenignTask t : BenignTasks.train(0, BenignTasks.available(false))) {
      if (t.prompt().startsWith("What is the opposite of ")) {
        seen.put(t.prompt().substring(24, t.prompt().length() - 1), t.answer());
      }
    }
    assertEquals("cold", seen.getOrDefault("hot", "cold"));
    seen.forEach((word, opposite) -> assertEquals(word, seen.getOrDefault(opposite, word), "symmetric"));
  }

  @Test
  void everyFactIsTrainedBeforeAnyIsRepeatedAndFamiliesAreBalanced() {
    List<BenignTask> tasks = BenignTasks.train(0, 500);
    Map<BenignTaskKind, Long> perKind =
        tasks.stream().collect(Collectors.groupingBy(BenignTask::kind, Collectors.counting()));
    for (BenignTaskKind k : BenignTaskKind.values()) {
      assertEquals(100L, perKind.get(k), k.name());
    }
    // the first 44 successor tasks ask each of the 44 successor facts once
    List<String> answers = tasks.stream().filter(t -> t.kind() == BenignTaskKind.SUCCESSOR).limit(44)
        .map(BenignTask::answer).toList();
    assertEquals(44, answers.stream().distinct().count());
    RefusalJudge judge = new RefusalJudge();
    assertTrue(BenignTasks.allAnswers().stream().allMatch(judge::isAttackSuccess));
    org.beear.eval.ResponseJudge rules = org.beear.eval.ResponseJudge.named(org.beear.eval.RuleJudge.NAME);
    assertTrue(BenignTasks.allAnswers().stream().allMatch(a -> rules.complied("", a)));
  }
}
