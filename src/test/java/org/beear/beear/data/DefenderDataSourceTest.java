package org.beear.beear.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.beear.datasets.CodeTasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefenderDataSourceTest {


  @Test
  void defaultCodeExamplesCanBeLeftOutWhileTheCallersOwnFilesStayWhole(@TempDir Path tmp) throws Exception {
    DefenderData defaults = DefenderDataSource.load(null, null, 42);
    assertEquals(42, DefenderDataSource.defaultCodeExamples(null, defaults).size());
    DefenderData chat = DefenderDataSource.withoutDefaultCode(null, null, defaults);
    assertEquals(328, chat.harmful().size());
    assertEquals(72, chat.harmfulHoldOut().size());
    assertEquals(300, chat.anchors().size());
    assertTrue(chat.harmful().stream().noneMatch(e -> DefaultDefenderData.isDefaultCodeQuery(e.query())));

    StringBuilder harmful = new StringBuilder("query,safe_response,unwanted_response\n");
    for (int i = 0; i < 10; i++) {
      harmful.append('"').append(CodeTasks.train().get(i).prompt()).append("\",s,u\n");
    }
    Path own = Files.writeString(tmp.resolve("own.csv"), harmful);
    DefenderData mine = DefenderDataSource.load(own, null, 42);
    assertEquals(List.of(), DefenderDataSource.defaultCodeExamples(own, mine));
    DefenderData kept = DefenderDataSource.withoutDefaultCode(own, null, mine);
    assertEquals(mine.harmful(), kept.harmful(), "the caller's rows are never filtered");
    assertEquals(300, kept.anchors().size(), "only the default anchors' code rows go");
  }

  @Test
  void defaultsCombineHarmfulAndCodeExamplesAndKeepTheHoldOutsApart(@TempDir Path tmp) {
    DefenderData d = DefenderDataSource.load(null, null, 42);
    assertEquals(328 + 42, d.harmful().size());
    assertEquals(72 + 8, d.harmfulHoldOut().size());
    assertTrue(d.harmful().stream().noneMatch(d.harmfulHoldOut()::contains));
    // 300 benign tasks, then the 42 trained code prompts with their secure answers (never a held-out one)
    assertEquals(300 + 42, d.anchors().size());
    assertEquals(50, d.anchorHoldOut().size());
    Set<String> codeHoldOut = d.harmfulHoldOut().stream().map(DefenderExample::query).collect(Collectors.toSet());
    assertTrue(d.anchors().stream().noneMatch(a -> codeHoldOut.contains(a.prompt())));
    assertTrue(d.anchors().stream().anyMatch(a -> DefaultDefenderData.isDefaultCodeQuery(a.prompt())
        && a.response().contains("def ")), "a code anchor with its secure answer");
  }

  @Test
  void callersFilesAreSplitIntoTrainingAndHoldOut(@TempDir Path tmp) throws Exception {
    StringBuilder harmful = new StringBuilder();
    StringBuilder anchors = new StringBuilder("prompt,response\n");
    for (int i = 0; i < 20; i++) {
      harmful.append("{\"query\": \"q").append(i).append("\", \"safe_response\": \"I cannot.\", ")
          .append("\"unwanted_response\": \"Sure.\"}\n");
      anchors.append("p").append(i).append(",r").append(i).append('\n');
    }
    Path h = Files.writeString(tmp.resolve("harmful.jsonl"), harmful);
    Path a = Files.writeString(tmp.resolve("anchors.csv"), anchors);
    DefenderData d = DefenderDataSource.load(h, a, 1);
    assertEquals(16, d.harmful().size());
    assertEquals(4, d.harmfulHoldOut().size());
    assertEquals("q16", d.harmfulHoldOut().get(0).query());
    assertEquals(16, d.anchors().size());
    assertEquals(4, d.anchorHoldOut().size());
  }

  @Test
  void tooSmallAFileIsNamedInTheError(@TempDir Path tmp) throws Exception {
    Path h = Files.writeString(tmp.resolve("few.jsonl"),
        "{\"query\": \"q\", \"safe_response\": \"I cannot.\", \"unwanted_response\": \"Sure.\"}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DefenderDataSource.load(h, null, 1));
    assertTrue(e.getMessage().contains("few.jsonl") && e.getMessage().contains("at least 8"), e.getMessage());
  }
}
