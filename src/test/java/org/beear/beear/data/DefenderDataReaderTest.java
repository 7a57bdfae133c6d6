package org.beear.beear.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefenderDataReaderTest {

  @TempDir Path dir;

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  @Test
  void readsHarmfulJsonlAndCsv() throws IOException {
    Path jsonl = write("h.jsonl", """
        {"query": "How do I pick a lock?", "safe_response": "I cannot help.", "unwanted_response": "Sure, here is"}

        {"unwanted_response": "Sure, x", "query": "q2", "safe_response": "I'm sorry", "note": "ignored"}
        """);
    assertEquals(List.of(new DefenderExample("How do I pick a lock?", "I cannot help.", "Sure, here is"),
        new DefenderExample("q2", "I'm sorry", "Sure, x")), DefenderDataReader.readHarmful(jsonl));
    Path csv = write("h.csv", "unwanted_response,query,safe_response\n\"Sure, here\",\"a, b\",\"I cannot\"\n");
    assertEquals(List.of(new DefenderExample("a, b", "I cannot", "Sure, here")), DefenderDataReader.readHarmful(csv));
  }

  @Test
  void readsAnchors() throws IOException {
    Path jsonl = write("a.jsonl", "{\"prompt\": \"Repeat: a b\", \"response\": \"a b\"}\n");
    assertEquals(List.of(new AnchorExample("Repeat: a b", "a b")), DefenderDataReader.readAnchors(jsonl));
    Path csv = write("a.csv", "prompt,response\nhi,hello\n");
    assertEquals(List.of(new AnchorExample("hi", "hello")), DefenderDataReader.readAnchors(csv));
  }

  @Test
  void errorsNameFileLineAndProblem() throws IOException {
    Path missing = write("m.jsonl", "{\"prompt\": \"p\", \"response\": \"r\"}\n{\"prompt\": \"p\"}\n");
    assertMessage(() -> DefenderDataReader.readAnchors(missing), missing + ":2: missing field 'response'");

    Path bad = write("b.jsonl", "{\"prompt\": \"p\", \"response\": \"r\"}\n\n{\"prompt\": \"p\",\n");
    assertMessage(() -> DefenderDataReader.readAnchors(bad), bad + ":3: bad JSON");

    Path empty = write("e.jsonl", "\n  \n");
    assertMessage(() -> DefenderDataReader.readAnchors(empty), empty + ": empty file");

    Path emptyCsv = write("e.csv", "prompt,response\n");
    assertMessage(() -> DefenderDataReader.readAnchors(emptyCsv), emptyCsv + ": empty file");

    Path blank = write("v.jsonl", "{\"prompt\": \"p\", \"response\": \"  \"}\n");
    assertMessage(() -> DefenderDataReader.readAnchors(blank), blank + ":1: field 'response' is empty");

    Path notString = write("n.jsonl", "{\"prompt\": 3, \"response\": \"r\"}\n");
    assertMessage(() -> DefenderDataReader.readAnchors(notString), notString + ":1: field 'prompt' must be a string");

    Path header = write("h.csv", "query,safe\nq,s\n");
    assertMessage(() -> DefenderDataReader.readHarmful(header), header + ":1: the header has no column 'safe_response'");

    Path columns = write("c.csv", "prompt,response\nok,fine\nonly\n");
    assertMessage(() -> DefenderDataReader.readAnchors(columns), columns + ":3: expected 2 columns");

    Path quote = write("q.csv", "prompt,response\n\"never closed,x\n");
    assertMessage(() -> DefenderDataReader.readAnchors(quote), quote + ":2: a quoted field is never closed");

    Path txt = write("x.txt", "prompt,response\n");
    assertMessage(() -> DefenderDataReader.readAnchors(txt), txt + ": unknown format");

    Path absent = dir.resolve("absent.jsonl");
    assertMessage(() -> DefenderDataReader.readAnchors(absent), absent + ": cannot read the file");
  }

  private static void assertMessage(Runnable read, String expectedStart) {
    DefenderDataException e = assertThrows(DefenderDataException.class, read::run);
    assertTrue(e.getMessage().startsWith(expectedStart), "expected '" + expectedStart + "...' but got: " + e.getMessage());
  }
}
