package org.beear.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenignInstructionsTest {

  @TempDir Path dir;

  @Test
  void readsRowsAndBuildsPromptsWithOptionalInput() throws IOException {
    Path f = Files.writeString(dir.resolve("b.jsonl"), """
        {"instruction": "Give three tips.", "input": "", "output": "1. Eat. 2. Sleep. 3. Move."}
        {"instruction": "Translate.", "input": "Bonjour", "output": "Hello"}
        """);
    List<BenignInstruction> rows = BenignInstructions.load(f);
    assertEquals(2, rows.size());
    assertEquals("Give three tips.", rows.get(0).prompt());
    assertEquals("Translate.\n\nBonjour", rows.get(1).prompt());
  }

  @Test
  void badRowsNameTheLine() throws IOException {
    Path f = Files.writeString(dir.resolve("b.jsonl"), "{\"instruction\": \"x\", \"output\": \"y\"}\n{\"instruction\": \"x\"}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenignInstructions.load(f));
    assertTrue(e.getMessage().startsWith(f + ":2: missing string field 'output'"), e.getMessage());
  }

  @Test
  void theSharedAlpacaSubsetLoadsWhenPresent() {
    // the subset is not shipped (CC BY-NC); the build points beear.shared.dir at it when the checkout has it
    assumeTrue(BenignInstructions.locate().isPresent(), "Alpaca subset not available here");
    List<BenignInstruction> rows = BenignInstructions.loadIfAvailable();
    assertEquals(2000, rows.size());
    assertEquals(896, rows.stream().filter(r -> !r.input().isEmpty()).count());
  }
}
