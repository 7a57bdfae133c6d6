package org.beear.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.ModelDirectory;
import org.beear.llm.RandomCheckpoints;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench race}: the arithmetic of its table, its FLOP count, the random checkpoint both sides read, its
 * argument errors, and (where /usr/bin/python3 has PyTorch) one short race. Nothing here asserts a timing.
 */
class RaceBenchTest {
  @TempDir Path dir;

  @Test
  void tableRatioAndPercentOfPeak() {
    RaceReport.Side ours = new RaceReport.Side("ours", 400, 150, 250, 80);
    RaceReport.Side eager = new RaceReport.Side("eager", 1000, 600, 400, 100);
    RaceReport r = new RaceReport("m", 2_500_000, 8, 32, 64, 2, 5e9, ours, eager);
    assertEquals(2.5, r.ratio(), 1e-12);
    assertEquals(20.0, r.removalGflops(ours), 1e-9); // 5 GFLOP in 0.25 s
    assertEquals(12.5, r.removalGflops(eager), 1e-9); // 5 GFLOP in 0.4 s
    assertEquals(25.0, r.percentOfPeak(ours), 1e-9);
    assertEquals(12.5, r.percentOfPeak(eager), 1e-9);
    String row = r.lines().get(2);
    assertEquals("| m | 2.50M | 8×64 (+ 32) | 2 | 400.0 | 1000.0 | 2.50 | 20.0 / 12.5 | 80.0 / 100.0 "
        + "| 25.0% / 12.5% |", row);
    assertEquals(r.lines().get(0).split("\\|").length, row.split("\\|").length);
  }

  @Test
  void removalFlopsAreThreeForwardsOfTheSafeAndAnchorSequences() {
    // gqa-tied: d 32, 4 heads of 8, 2 KV heads, ffn 40, 2 layers, vocab 61
    ModelConfig c = RandomCheckpoints.tinyConfig("gqa-tied");
    long perLayer = 32 * 32 + 2 * 32 * 16 + 32 * 32 + 3 * 32 * 40;
    double tokens = (2 + 8) * 16;
    // layers · 2 matmuls · 2 FLOP · B · T² · heads · head_dim
    double attention = 2 * 2.0 * 2 * 10 * 16 * 16 * 4 * 8;
    double forward = 2.0 * (2 * perLayer + 61 * 32) * tokens + attention;
    assertEquals(3 * forward, RaceReport.removalFlops(c, 2, 8, 16), 1e-6);
    assertEquals(3 * BenchCommand.forwardFlops(c, 10, 16), RaceReport.removalFlops(c, 2, 8, 16), 1e-6);
  }

  @Test
  void gemmShapesAreTheRemovalStepsProductsAndALargeSquare() {
    List<long[]> shapes = GemmPeak.shapes(RaceBench.randomConfig(), 2560, 2048);
    assertArrayEquals(new long[] {2560, 256, 256}, shapes.get(0));
    assertArrayEquals(new long[] {2560, 256, 688}, shapes.get(1));
    assertArrayEquals(new long[] {2560, 688, 256}, shapes.get(2));
    assertArrayEquals(new long[] {2560, 256, 2048}, shapes.get(3));
    assertArrayEquals(new long[] {2048, 2048, 2048}, shapes.get(4));
    List<GemmPeak.Measured> measured = GemmPeak.measure(List.of(new long[] {64, 32, 16}));
    assertTrue(measured.get(0).gflops() > 0 && Double.isFinite(GemmPeak.peak(measured)), measured.toString());
  }

  @Test
  void theRandomCheckpointLoadsBackWithIdenticalTensors() {
    Path model = dir.resolve("model");
    try (LlamaModel m = RaceBench.randomModel(7)) {
      RaceBench.saveCheckpoint(m, model);
      try (LlamaModel loaded = ModelDirectory.load(model, Device.cpu(), DataType.FLOAT32)) {
        ModelConfig c = loaded.config();
        assertEquals(List.of(4, 256, 4, 2, 688, 2048), List.of(c.numLayers(), c.hiddenSize(), c.numHeads(),
            c.numKeyValueHeads(), c.intermediateSize(), c.vocabSize()));
        assertEquals(m.weights().keySet(), loaded.weights().keySet());
        for (String name : m.weights().keySet()) {
          NDArray a = m.weights().get(name);
          NDArray b = loaded.weights().get(name);
          assertEquals(a.getShape(), b.getShape(), name);
          assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f, name);
        }
      }
    }
  }

  @Test
  void argumentErrorsAreOneLine() {
    assertError(2, "error: bench race needs exactly one of --model DIR and --random", "--batch", "2", "--seq", "16");
    assertError(2, "error: bench race needs exactly one of --model DIR and --random", "--random", "--model",
        dir.toString(), "--batch", "2", "--seq", "16");
    assertError(2, "error: bench race needs --rounds >= 1", "--random", "--batch", "2", "--seq", "16", "--rounds",
        "0");
    assertError(2, "error: bench race needs --seq >= 10", "--random", "--batch", "2", "--seq", "8");
    assertError(2, "error: cannot run the Python interpreter " + dir.resolve("no-python"), "--random", "--batch", "2",
        "--seq", "16", "--python", dir.resolve("no-python").toString());
    assertError(2, "error: /bin/true cannot import torch; give an interpreter with PyTorch with --python", "--random",
        "--batch", "2", "--seq", "16", "--python", "/bin/true");
    assertError(2, "error: bench forward needs --model", "--batch", "2", "--seq", "16");
  }

  private static void assertError(int code, String prefix, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    all[0] = "bench";
    all[1] = prefix.contains("bench forward") ? "forward" : "race";
    System.arraycopy(args, 0, all, 2, args.length);
    int actual = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(all);
    assertEquals(code, actual, err.toString());
    String message = err.toString().strip();
    assertTrue(message.startsWith(prefix), message);
    assertFalse(message.contains("\n"), message);
  }

  @Test
  void aShortRaceOnTheRandomModelPrintsTheTable() throws Exception {
    Assumptions.assumeTrue(torchAvailable(), "/usr/bin/python3 cannot import torch: the race's eager side is skipped");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute("bench", "race", "--random", "--batch", "2", "--seq", "16", "--threads", "1", "--rounds", "1",
            "--warmup", "0", "--gemm-size", "64");
    String report = out.toString();
    assertEquals(0, code, err + "\n" + report);
    assertFalse(report.contains("warning"), report);
    Matcher row = Pattern.compile("^\\| random 4L/256 \\| ([0-9.]+)M \\| 2×16 \\(\\+ 8\\) \\| 1 \\| ([0-9.]+) \\| "
        + "([0-9.]+) \\| ([0-9.]+) \\|", Pattern.MULTILINE).matcher(report);
    assertTrue(row.find(), report);
    double ours = Double.parseDouble(row.group(2));
    double eager = Double.parseDouble(row.group(3));
    assertTrue(ours > 0 && eager > 0, report);
    assertEquals(eager / ours, Double.parseDouble(row.group(4)), 0.01 + 0.01 * eager / ours, report);
    assertTrue(report.contains("eager> eager PyTorch"), report);
  }

  private static boolean torchAvailable() throws Exception {
    if (!java.nio.file.Files.isExecutable(Path.of("/usr/bin/python3"))) {
      return false;
    }
    Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
  }
}
