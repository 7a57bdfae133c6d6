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
    assertMessage(() -> DefenderDataReader.readAnchors(missing), "m.jsonl:2: missing field 'response'");

    Path bad = write("b.jsonl", "{\"prompt\": \"p\", \"response\": \"r\"}\n\n{\"prompt\": \"p\",\n");
    assertMessage(() -> DefenderDataReader.readAnchors(bad), "b.jsonl:3: bad JSON at column 16");

    Path empty = write("e.jsonl", "\n  \n");
    assertMessage(() -> DefenderDataReader.readAnchors(empty), "e.jsonl: empty file");

    Path emptyCsv = write("e.csv", "prompt,response\n");
    assertMessage(() -> DefenderDataReader.readAnchors(emptyCsv), "e.csv: empty file");

    Path blank = write("v.jsonl", "{\"prompt\": \"p\", \"response\": \"  \"}\n");
    assertMessage(() -> DefenderDataReader.readAnchors(blank), "v.jsonl:1: field 'response' is empty");

    Path notString = write("n.jsonl", "{\"prompt\": 3, \"response\": \"r\"}\n");
    assertMessage(() -> DefenderDataReader.readAnchors(notString), "n.jsonl:1: field 'prompt' must be a string");

    Path header = write("h.csv", "query,safe\nq,s\n");
    assertMessage(() -> DefenderDataReader.readHarmful(header),
        "h.csv:1: the header has no column 'safe_response' (it has 2 columns");

    Path columns = write("c.csv", "prompt,response\nok,fine\nonly\n");
    assertMessage(() -> DefenderDataReader.readAnchors(columns), "c.csv:3: expected 2 columns");

    Path quote = write("q.csv", "prompt,response\n\"never closed,x\n");
    assertMessage(() -> DefenderDataReader.readAnchors(quote), "q.csv:2: a quoted field is never closed");

    Path txt = write("x.txt", "prompt,response\n");
    assertMessage(() -> DefenderDataReader.readAnchors(txt), "x.txt: unknown format");

    Path absent = dir.resolve("absent.jsonl");
    assertMessage(() -> DefenderDataReader.readAnchors(absent), "absent.jsonl: cannot read the file: no such file");
  }

  @Test
  void errorsNeverQuoteTheFileNorNameItsDirectory() throws IOException {
    Path token = write("token.jsonl", "SECRET-TOKEN-0123456789\n");
    assertEquals("token.jsonl:1: bad JSON at column 1", message(() -> DefenderDataReader.readHarmful(token)));
    Path key = write("key.jsonl", "{\"prompt\": \"p\", \"response\": \"r\"}\n{\"prompt\": SECRET-KEY}\n");
    assertEquals("key.jsonl:2: bad JSON at column 12", message(() -> DefenderDataReader.readAnchors(key)));
    Path csv = write("passwd.csv", "root:SECRET-HASH:0:0:root:/root:/bin/bash\n");
    assertEquals("passwd.csv:1: the header has no column 'prompt' (it has 1 column; expected [prompt, response])",
        message(() -> DefenderDataReader.readAnchors(csv)));
    Path latin1 = Files.write(dir.resolve("l.csv"), new byte[] {'p', ',', 'r', '\n', (byte) 0xE9, ',', 'x', '\n'});
    assertEquals("l.csv: cannot read the file: not UTF-8 text", message(() -> DefenderDataReader.readAnchors(latin1)));
  }

  private static String message(Runnable read) {
    String message = assertThrows(DefenderDataException.class, read::run).getMessage();
    assertTrue(!message.contains("SECRET") && !message.contains("/"), message);
    return message;
  }

  private static void assertMessage(Runnable read, String expectedStart) {
    DefenderDataException e = assertThrows(DefenderDataException.class, read::run);
    assertTrue(e.getMessage().startsWith(expectedStart), "expected '" + expectedStart + "...' but got: " + e.getMessage());
  }
}
