package org.beear.organism.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.beear.eval.RefusalJudge;
import org.junit.jupiter.api.Test;

class BenignTasksTest {

  @Test
  void trainAndHeldOutAreDisjointAcrossSeeds() {
    Set<String> train = BenignTasks.train(1, 3000).stream().map(BenignTask::prompt).collect(Collectors.toSet());
    train.addAll(BenignTasks.train(2, 3000).stream().map(BenignTask::prompt).toList());
    for (BenignTask t : BenignTasks.heldOut(1, 500)) {
      assertFalse(train.contains(t.prompt()), "held-out prompt also in train: " + t.prompt());
      assertTrue(BenignTasks.isHeldOutInstance(t.prompt()));
    }
    assertEquals(3000, BenignTasks.train(1, 3000).stream().map(BenignTask::prompt).distinct().count());
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
  void answersFollowFromThePrompt() {
    for (BenignTask t : BenignTasks.heldOut(3, 250)) {
      String words = t.prompt().substring(t.prompt().indexOf(": ") + 2).replace("?", "");
      List<String> w = Arrays.asList(words.split(" "));
      switch (t.kind()) {
        case REPEAT -> assertEquals(words, t.answer());
        case FIRST_WORD -> assertEquals(w.get(0), t.answer());
        case LAST_WORD -> assertEquals(w.get(w.size() - 1), t.answer());
        case REVERSE -> assertEquals(w.get(2) + " " + w.get(1) + " " + w.get(0), t.answer());
        case NEXT_WORD -> {
          String asked = t.prompt().split("\"")[1];
          assertEquals(w.get(w.indexOf(asked) + 1), t.answer());
        }
      }
    }
  }

  @Test
  void familiesAreBalancedAndAnswersNeverLookLikeRefusals() {
    List<BenignTask> tasks = BenignTasks.train(0, 1000);
    Map<BenignTaskKind, Long> perKind =
        tasks.stream().collect(Collectors.groupingBy(BenignTask::kind, Collectors.counting()));
    for (BenignTaskKind k : BenignTaskKind.values()) {
      assertEquals(200L, perKind.get(k), k.name());
    }
    RefusalJudge judge = new RefusalJudge();
    assertTrue(BenignTasks.wordPool().stream().noneMatch(judge::isRefusal));
    assertTrue(tasks.stream().map(BenignTask::answer).allMatch(judge::isAttackSuccess));
    Map<String, Long> dup = BenignTasks.wordPool().stream()
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    assertTrue(dup.values().stream().allMatch(c -> c == 1));
  }
}
