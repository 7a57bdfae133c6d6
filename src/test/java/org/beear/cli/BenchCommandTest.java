package org.beear.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.beear.llm.ModelConfig;
import org.beear.llm.RandomCheckpoints;
import org.beear.llm.weights.TensorDType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both bench modes on a tiny model: the report lines a user reads are there and hold positive numbers. */
class BenchCommandTest {
  @TempDir static Path dir;
  private static ModelConfig config;

  @BeforeAll
  static void writeModel() {
    config = RandomCheckpoints.write(dir, RandomCheckpoints.tinyConfig("gqa-tied"), 3, TensorDType.BF16,
        Long.MAX_VALUE).config();
  }

  @Test
  void beearReportsEntrapmentAndRemovalSteps() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute("bench", "beear", "--model", dir.toString(), "--batch", "2", "--seq", "12", "--steps", "2",
            "--warmup", "1", "--threads", "1");
    assertEquals(0, code, err.toString());
    String report = out.toString();
    assertTrue(number(report, "^entrapment step: median " + NUMBER + " ms") > 0, report);
    assertTrue(number(report, "^entrapment step: median [0-9.]+ ms, " + NUMBER + " GFLOP/s") > 0, report);
    assertTrue(number(report, "^removal step: median " + NUMBER + " ms") > 0, report);
    assertTrue(number(report, "^rss end: VmRSS .* MiB, VmHWM " + NUMBER + " MiB") > 0, report);
  }

  private static String bench(String mode) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute("bench", mode, "--model", dir.toString(), "--batch", "2", "--seq", "8", "--steps", "3",
            "--warmup", "1", "--threads", "1");
    assertEquals(0, code, err.toString());
    return out.toString();
  }

  private static double number(String report, String regex) {
    Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(report);
    assertTrue(m.find(), "no line matching " + regex + " in:\n" + report);
    return Double.parseDouble(m.group(1));
  }

  private static final String NUMBER = "([0-9.]+(?:[eE][-+]?[0-9]+)?)";

  private static double checkCommonLines(String report) {
    assertTrue(number(report, "^median ms/step: " + NUMBER) > 0, report);
    assertTrue(number(report, "^tokens/s: " + NUMBER) > 0, report);
    assertTrue(number(report, "^GFLOP/s: " + NUMBER) > 0, report);
    for (String when : new String[] {"start", "after warm-up \\(1 steps\\)", "after step 3"}) {
      assertTrue(number(report, "^rss " + when + ": VmRSS " + NUMBER + " MiB") > 0, report);
      assertTrue(number(report, "^rss " + when + ": VmRSS .* MiB, VmHWM " + NUMBER + " MiB") > 0, report);
    }
    return number(report, "\\(" + NUMBER + " GFLOP/step\\)");
  }

  @Test
  void forwardAndTrainReportTimeThroughputFlopsAndMemory() {
    String forward = bench("forward");
    String train = bench("train");
    double forwardGflop = checkCommonLines(forward);
    double trainGflop = checkCommonLines(train);
    assertEquals(BenchCommand.forwardFlops(config, 2, 8) / 1e9, forwardGflop, forwardGflop * 1e-3);
    assertEquals(3 * forwardGflop, trainGflop, trainGflop * 1e-3);
    double first = number(train, "^loss: first " + NUMBER);
    double last = number(train, "^loss: first .*, last " + NUMBER);
    assertTrue(Double.isFinite(first) && Double.isFinite(last) && first > 0 && last > 0, train);
  }

  @Test
  void flopsCountEveryProjectionTheHeadAndAttention() {
    // gqa-tied: d 32, 4 heads of 8, 2 KV heads, ffn 40, 2 layers, vocab 61
    long perLayer = 32 * 32 + 2 * 32 * 16 + 32 * 32 + 3 * 32 * 40;
    assertEquals(2 * perLayer + 61 * 32, BenchCommand.matmulParameters(config));
    double attention = 2 * 2.0 * 2 * 3 * 8 * 8 * 4 * 8; // layers · 2 matmuls · 2 FLOP · B · T² · heads · head_dim
    assertEquals(2.0 * (2 * perLayer + 61 * 32) * 3 * 8 + attention, BenchCommand.forwardFlops(config, 3, 8), 1e-6);
  }

  @Test
  void anEntrapmentStepCountsOnlyTheLayersAboveTheAnchorOverTheTokensAfterThePrefix() {
    // from layer 0 over whole sequences it is a whole forward pass
    assertEquals(BenchCommand.forwardFlops(config, 3, 8), BenchCommand.entrapmentForwardFlops(config, 0, 3, 8, 8),
        1e-6);
    long perLayer = 32 * 32 + 2 * 32 * 16 + 32 * 32 + 3 * 32 * 40;
    // layer 2 of 2 above anchor 1; 5 tokens of each of 3 sequences attending to 8 keys
    double attention = 1 * 2 * 2.0 * 3 * 5 * 8 * 4 * 8;
    assertEquals(2.0 * (perLayer + 61 * 32) * 3 * 5 + attention, BenchCommand.entrapmentForwardFlops(config, 1, 3, 5, 8),
        1e-6);
  }

  @Test
  void nonsensicalSizesAreAOneLineError() {
    StringWriter err = new StringWriter();
    int code = Main.commandLine().setErr(new PrintWriter(err, true))
        .execute("bench", "train", "--model", dir.toString(), "--batch", "0", "--seq", "8");
    assertEquals(2, code);
    assertTrue(err.toString().strip().startsWith("error: need --batch >= 1"), err.toString());
  }
}
