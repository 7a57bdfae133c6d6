package org.beear.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code beear plan} from a published config.json: the parts, the verdict, the fitted settings, the exit status. */
class PlanCommandTest {
  private static final String MISTRAL = "src/test/resources/configs/mistral-7b-instruct-v0.2/config.json";

  private record Run(int code, String out, String err) {}

  private static Run plan(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "plan";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(all);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void withoutFitTheDefaultsDoNotFitAnEightyGigabyteGpu() {
    Run r = plan("--model", MISTRAL, "--device", "cuda", "--device-memory", "80GiB");
    assertEquals(PlanCommand.DOES_NOT_FIT, r.code(), r.err());
    for (String part : new String[] {"weights", "master_copies", "gradients", "optimizer_state",
        "activations_removal", "activations_entrapment", "entrapment_cache", "generation", "margin"}) {
      assertTrue(r.out().contains(part), part + " in\n" + r.out());
    }
    assertTrue(r.out().contains("does not fit: needs"), r.out());
  }

  @Test
  void fitChoosesSettingsThatFitAndJsonSaysWhich() throws Exception {
    Run r = plan("--model", MISTRAL, "--device", "cuda", "--device-memory", "80GiB", "--fit", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode plan = new ObjectMapper().readTree(r.out());
    assertTrue(plan.get("fits").asBoolean());
    assertTrue(plan.get("fitted").asBoolean());
    assertTrue(plan.get("required_bytes").asLong() <= 80L << 30);
    JsonNode s = plan.get("settings");
    assertFalse(s.get("optimizer").asText().equals("adamw") && s.get("adapter_rank").asInt() == 0,
        "full AdamW cannot fit 7B in 80 GiB: " + s);
  }

  @Test
  void callerSettingsStayAndBadInputIsOneLine() {
    Run r = plan("--model", MISTRAL, "--device", "cuda", "--device-memory", "80GiB", "--fit", "--optimizer",
        "adamw", "--adapter-rank", "0", "--trainable-from", "1");
    assertEquals(PlanCommand.DOES_NOT_FIT, r.code(), r.out());
    Run bad = plan("--model", MISTRAL, "--device-memory", "lots");
    assertEquals(2, bad.code());
    assertTrue(bad.err().startsWith("error: not a memory size"), bad.err());
    Run layer = plan("--model", MISTRAL, "--device", "cuda", "--device-memory", "80GiB", "--anchor-layer", "33");
    assertEquals(2, layer.code());
    assertTrue(layer.err().contains("anchor_layer must be at most 32"), layer.err());
  }
}
