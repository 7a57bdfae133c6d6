package org.beear.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CsvParserTest {

  @Test
  void parsesQuotedCommasDoubledQuotesAndMultilineFields() {
    String csv = "a,b\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"line1\nline2\",plain\n\nlast,\"\"\n";
    List<CsvParser.Row> rows = CsvParser.parse(csv, "t.csv");
    assertEquals(4, rows.size());
    assertEquals(List.of("x, y", "say \"hi\""), rows.get(1).fields());
    assertEquals(List.of("line1\nline2", "plain"), rows.get(2).fields());
    assertEquals(3, rows.get(2).line());
    assertEquals(List.of("last", ""), rows.get(3).fields());
    assertEquals(6, rows.get(3).line(), "line numbers count the line break inside the quoted field");
  }

  @Test
  void lastRecordWithoutTrailingNewlineAndBomAreHandled() {
    List<CsvParser.Row> rows = CsvParser.parse("\uFEFFgoal,target\na,b", "t.csv");
    assertEquals(List.of("goal", "target"), rows.get(0).fields());
    assertEquals(List.of("a", "b"), rows.get(1).fields());
  }

  @Test
  void malformedInputNamesTheLine() {
    var e1 = assertThrows(CsvParser.CsvFormatException.class, () -> CsvParser.parse("a,b\n\"open,b\n", "t.csv"));
    assertTrue(e1.getMessage().startsWith("t.csv:2:"), e1.getMessage());
    var e2 = assertThrows(CsvParser.CsvFormatException.class, () -> CsvParser.parse("a,b\nx\"y\",b\n", "t.csv"));
    assertTrue(e2.getMessage().startsWith("t.csv:2:"), e2.getMessage());
    var e3 = assertThrows(CsvParser.CsvFormatException.class, () -> CsvParser.parse("a,b\n\"x\"y,b\n", "t.csv"));
    assertTrue(e3.getMessage().contains("after the closing quote"), e3.getMessage());
  }
}
