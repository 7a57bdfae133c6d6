package org.beear.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Optional fluency data: the Stanford Alpaca subset {@code benign_instructions.jsonl} (2,000 rows,
 * {"instruction", "input", "output"} per line). It is CC BY-NC 4.0 and therefore not shipped in the jar; it
 * is read from a path given explicitly or found through {@link #locate()}, and everything works without it.
 *
 * <p>Rows are kept as they are, including the 3 whose output contains a refusal keyword (e.g. "As an AI"):
 * filtering them would make the benign data less natural for 0.15% of rows, and the organism's benign utility
 * is measured on {@link BenignTasks}, not on these rows.
 */
public final class BenignInstructions {

  public static final String FILE_NAME = "benign_instructions.jsonl";
  /** Environment variable naming the folder that holds {@value #FILE_NAME}. */
  public static final String DATASETS_DIR_ENV = "BEEAR_DATASETS_DIR";


  private BenignInstructions() {}

  /**
   * Finds the file: {@code $BEEAR_DATASETS_DIR/benign_instructions.jsonl}, else the system property
   * {@code beear.datasets.dir}, else {@code <beear.shared.dir>/datasets} (set for the tests). Empty when none
   * of them holds the file.
   */
  public static Optional<Path> locate() {
    List<Path> candidates = new ArrayList<>();
    String env = System.getenv(DATASETS_DIR_ENV);
    if (env != null && !env.isBlank()) {
      candidates.add(Path.of(env, FILE_NAME));
    }
    String prop = System.getProperty("beear.datasets.dir");
    if (prop != null && !prop.isBlank()) {
      candidates.add(Path.of(prop, FILE_NAME));
    }
    String shared = System.getProperty("beear.shared.dir");
    if (shared != null && !shared.isBlank()) {
      candidates.add(Path.of(shared, "datasets", FILE_NAME));
    }
    return candidates.stream().filter(Files::isRegularFile).findFirst();
  }

  /** The rows of the located file, or an empty list when it is not available. */
  public static List<BenignInstruction> loadIfAvailable() {
    return locate().map(BenignInstructions::load).orElse(List.of());
  }

  /** Reads a JSONL file of {"instruction", "input", "output"} objects ("input" may be missing or empty). */
  public static List<BenignInstruction> load(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    List<BenignInstruction> rows = new ArrayList<>();
    for (JsonLines.Line line : JsonLines.objects(file, lines)) {
      String where = line.where();
      JsonNode node = line.object();
      rows.add(new BenignInstruction(text(node, "instruction", where), optionalText(node, "input"),
          text(node, "output", where)));
    }
    return List.copyOf(rows);
  }

  private static String text(JsonNode node, String field, String where) {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException(where + "missing string field '" + field + "'");
    }
    return v.asText();
  }

  private static String optionalText(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? "" : v.asText();
  }
}
