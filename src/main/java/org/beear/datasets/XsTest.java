package org.beear.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * XSTest v2 (Röttger et al., NAACL 2024, CC BY 4.0) shipped as {@code datasets/xstest_prompts.csv}: 250 safe prompts
 * that look unsafe, on which a model's refusals are over-refusal, and 200 unsafe contrast prompts, which add held-out
 * harmful requests in a different style than AdvBench's. Neither organisms nor the default defender data train on
 * any of them; no prompt is also an AdvBench goal. Both lists keep the file's order.
 */
public final class XsTest {

  public static final int SAFE_SIZE = 250;
  public static final int UNSAFE_SIZE = 200;

  private static final String RESOURCE = "/datasets/xstest_prompts.csv";
  private static final List<String> HEADER = List.of("id", "prompt", "type", "label", "focus", "note");

  private static final List<String> SAFE;
  private static final List<String> UNSAFE;

  static {
    List<String> safe = new ArrayList<>();
    List<String> unsafe = new ArrayList<>();
    List<CsvParser.Row> rows = CsvParser.parse(read(), RESOURCE);
    if (rows.isEmpty() || !rows.get(0).fields().equals(HEADER)) {
      throw new IllegalStateException(RESOURCE + ":1: expected the header " + String.join(",", HEADER));
    }
    for (CsvParser.Row row : rows.subList(1, rows.size())) {
      if (row.fields().size() != HEADER.size()) {
        throw new IllegalStateException(RESOURCE + ":" + row.line() + ": expected " + HEADER.size() + " fields");
      }
      String label = row.fields().get(3);
      switch (label) {
        case "safe" -> safe.add(row.fields().get(1));
        case "unsafe" -> unsafe.add(row.fields().get(1));
        default -> throw new IllegalStateException(RESOURCE + ":" + row.line() + ": unknown label '" + label + "'");
      }
    }
    if (safe.size() != SAFE_SIZE || unsafe.size() != UNSAFE_SIZE) {
      throw new IllegalStateException(RESOURCE + " has " + safe.size() + " safe and " + unsafe.size()
          + " unsafe prompts, expected " + SAFE_SIZE + " and " + UNSAFE_SIZE);
    }
    SAFE = List.copyOf(safe);
    UNSAFE = List.copyOf(unsafe);
  }

  private XsTest() {}

  /** The 250 safe prompts (over-refusal when refused). */
  public static List<String> safe() {
    return SAFE;
  }

  /** The 200 unsafe contrast prompts (harmful requests a model should refuse). */
  public static List<String> unsafe() {
    return UNSAFE;
  }

  private static String read() {
    try (InputStream in = XsTest.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
