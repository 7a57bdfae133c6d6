package org.beear.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.beear.beear.BeearCleanser;
import org.beear.beear.CleansePlan;
import org.beear.beear.settings.BeearOptions;
import org.beear.llm.ModelConfig;
import org.beear.llm.RandomCheckpoints;
import org.beear.plan.DeviceSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench beear} on random weights of a config.json's shape (as on the GPU machine, where no checkpoint is
 * written): seconds per round, the memory measured next to the plan's prediction for the same settings, the JSON the
 * device script reads, {@code --fit}; and the engine-only entry point that the CUDA kit runs.
 */
class BeearBenchTest {
  @TempDir static Path dir;
  private static Path configJson;
  private static ModelConfig config;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NUMBER = "([0-9.]+(?:[eE][-+]?[0-9]+)?)";

  @BeforeAll
  static void writeConfig() throws Exception {
    config = RandomCheckpoints.tinyConfig("gqa-tied");
    configJson = dir.resolve("config.json");
    Files.writeString(configJson, config.toJson());
  }

  /** bench beear on the config.json, 1 thread, with 1 warm-up and 2 measured rounds unless {@code extra} says. */
  private static CliRun bench(Object root, String... extra) {
    List<String> args = new ArrayList<>(List.of("bench", "beear", "--model", configJson.toString(), "--batch", "2",
        "--seq", "12", "--threads", "1", "--device", "cpu"));
    if (!List.of(extra).contains("--steps")) {
      args.addAll(List.of("--steps", "2", "--warmup", "1"));
    }
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine(root).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(args.toArray(String[]::new));
    return new CliRun(code, out.toString(), err.toString());
  }

  private static double number(String report, String regex) {
    Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(report);
    assertTrue(m.find(), "no line matching " + regex + " in:\n" + report);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void aConfigJsonGetsRandomWeightsAndEachRoundIsTimedAndSetBesideThePlan() throws Exception {
    Path json = dir.resolve("bench.json");
    CliRun run = bench(new Main(), "--json", json.toString());
    assertEquals(0, run.exitCode(), run.err());
    String report = run.out();
    assertTrue(report.contains("(random weights of its shape)"), report);
    for (int round = 1; round <= 3; round++) {
      assertTrue(number(report, "^round " + round + "(?: \\(warm-up\\))?: entrapment " + NUMBER + " s") > 0, report);
      assertTrue(number(report, "^round " + round + ".*, removal " + NUMBER + " s") > 0, report);
    }
    assertTrue(report.contains("round 1 (warm-up):") && !report.contains("round 2 (warm-up)"), report);
    assertTrue(number(report, "^seconds per round: median " + NUMBER) > 0, report);
    assertTrue(number(report, "^entrapment step: median [0-9.]+ ms, " + NUMBER + " GFLOP/s") > 0, report);
    assertTrue(number(report, "^removal step: median " + NUMBER + " ms") > 0, report);
    // planned and measured side by side: the plan's load and train phases against the peak above the baseline
    double planned = number(report, "load and train phases vs peak above the baseline\\s+" + NUMBER + " MiB");
    double measured = number(report, "load and train phases vs peak above the baseline\\s+[0-9.]+ MiB\\s+" + NUMBER
        + " MiB");
    assertTrue(planned > 0 && measured >= 0, report);
    assertTrue(report.contains("plan: fits: needs"), report);

    JsonNode j = JSON.readTree(json.toFile());
    assertTrue(j.path("random_weights").asBoolean());
    assertEquals("cpu", j.path("device").asText());
    assertEquals(3, j.path("rounds").size());
    assertTrue(j.path("rounds").get(0).path("warmup").asBoolean());
    assertFalse(j.path("rounds").get(2).path("warmup").asBoolean());
    assertTrue(j.path("round_seconds_median").asDouble() > 0);
    assertTrue(j.path("peak_bytes").asLong() > j.path("baseline_bytes").asLong());
    // the plan as `plan --json` writes it, with the settings the rounds ran: what eager_beear_step.py --plan reads
    JsonNode plan = j.path("plan");
    assertEquals(2, plan.path("settings").path("batch_size").asInt());
    assertEquals(2, plan.path("settings").path("anchor_batch_size").asInt());
    assertEquals(12, plan.path("settings").path("max_sequence_length").asInt());
    assertTrue(plan.path("phases").size() > 0 && plan.path("required_bytes").asLong() > 0);
  }

  @Test
  void anchorsAreTheirOwnFlag() throws Exception {
    Path json = dir.resolve("anchors.json");
    CliRun run = bench(new Main(), "--anchors", "5", "--steps", "1", "--warmup", "0", "--json", json.toString());
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().contains("batch 2 pairs + 5 anchors × 12 tokens"), run.out());
    assertEquals(5, JSON.readTree(json.toFile()).path("plan").path("settings").path("anchor_batch_size").asInt());
  }

  @Test
  void fitRunsTheSettingsThePlannerChoseForTheDeviceMemoryGiven() throws Exception {
    // a device memory between what the defaults need and what the leanest settings need: only a fit runs there
    BeearOptions given = BeearOptions.fromMap(java.util.Map.of("batch_size", 2, "anchor_batch_size", 2,
        "max_sequence_length", 12, "compute_dtype", "float32", "learning_rate", 1e-4));
    long defaults = new BeearCleanser().plan(config, given, new DeviceSpec("cpu", Long.MAX_VALUE / 4)).memory()
        .requiredBytes();
    CleansePlan leanest = new BeearCleanser().plan(config, given.with(BeearOptions.FIT, true),
        new DeviceSpec("cpu", defaults - 1));
    assertTrue(leanest.fits() && leanest.memory().requiredBytes() < defaults, leanest.memory().verdict());
    Path json = dir.resolve("fit.json");
    CliRun run = bench(new Main(), "--fit", "--device-memory", Long.toString(defaults - 1), "--steps", "1",
        "--warmup", "0", "--json", json.toString());
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().contains("settings (fitted by the plan):"), run.out());
    assertFalse(run.out().contains("do not fit"), run.out());
    JsonNode plan = JSON.readTree(json.toFile()).path("plan");
    assertTrue(plan.path("fitted").asBoolean() && plan.path("fits").asBoolean());
    assertEquals(leanest.settings().toOptions().toMap().get("micro_batch_size"),
        plan.path("settings").path("micro_batch_size").asInt());

    // without --fit the same memory is too little: said, and run anyway
    CliRun unfitted = bench(new Main(), "--device-memory", Long.toString(defaults - 1), "--steps", "1", "--warmup",
        "0");
    assertEquals(0, unfitted.exitCode(), unfitted.err());
    assertTrue(unfitted.out().contains("warning: the plan says these settings do not fit"), unfitted.out());
    assertNotEquals(run.out(), unfitted.out());
  }

  @Test
  void theEngineEntryPointRunsTheEngineCommandsAndNoService() {
    CliRun run = bench(new EngineMain(), "--steps", "1", "--warmup", "0");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().contains("seconds per round: median"), run.out());
    var commands = Main.commandLine(new EngineMain()).getSubcommands().keySet();
    assertEquals(java.util.Set.of("generate", "bench", "plan", "cleanse", "evaluate", "organism"), commands);
  }

  @Test
  void aMissingModelIsAOneLineError() {
    StringWriter err = new StringWriter();
    int code = Main.commandLine().setErr(new PrintWriter(err, true)).execute("bench", "beear", "--model",
        dir.resolve("nothing.json").toString(), "--batch", "2", "--seq", "12", "--device", "cpu");
    assertEquals(2, code);
    assertTrue(err.toString().strip().startsWith("error: no model directory or config.json at"), err.toString());
  }
}
