package org.beear.fuzz;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * The fuzzing benchmark ({@code bin/fuzz}): runs every {@code @FuzzTest} target in fuzzing mode for a fixed
 * number of executions and prints one row per target. libFuzzer keeps global state, so Jazzer fuzzes only one
 * target per JVM: each target runs in a child JVM started with this class's classpath.
 *
 * <p>Per target, under {@code target/fuzz/}: {@code corpus/<target>} (what the fuzzer kept; fresh each run
 * unless {@code --keep-corpus}), {@code seeds/<target>} (written from the target class's
 * {@code <method>Seeds()}), {@code logs/<target>.log} (libFuzzer's output). A finding is written by Jazzer into
 * the target's {@code src/test/resources/<package>/<Class>Inputs/<method>/} directory, where the default test
 * run replays it from then on.
 */
public final class FuzzBench {

  /** Every fuzz target, as Class#method. */
  static final List<String> TARGETS = List.of(
      "org.beear.llm.weights.CheckpointFuzzTest#singleFile",
      "org.beear.llm.weights.CheckpointFuzzTest#shardIndex",
      "org.beear.llm.ModelConfigFuzzTest#configJson",
      "org.beear.llm.text.TokenizerFilesFuzzTest#tokenizerFiles",
      "org.beear.llm.text.ChatTemplateFuzzTest#templateSource",
      "org.beear.llm.text.ChatTemplateFuzzTest#messages",
      "org.beear.source.ArchiveExtractorFuzzTest#archive",
      "org.beear.source.ArchiveExtractorFuzzTest#tarStream",
      "org.beear.beear.DefenderDataFuzzTest#csv",
      "org.beear.beear.DefenderDataFuzzTest#jsonLines");

  private static final Path OUT = Path.of("target", "fuzz");

  private FuzzBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      System.exit(child(args[1], Long.parseLong(args[2]), Path.of(args[3]), Path.of(args[4]), args[5], args[6]));
    }
    long runs = 100_000;
    int timeoutSeconds = 10;
    int keepGoing = 1;
    boolean keepCorpus = false;
    String heap = "1g";
    List<String> only = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--runs" -> runs = Long.parseLong(args[++i]);
        case "--timeout" -> timeoutSeconds = Integer.parseInt(args[++i]);
        case "--keep-going" -> keepGoing = Integer.parseInt(args[++i]);
        case "--keep-corpus" -> keepCorpus = true;
        case "--heap" -> heap = args[++i];
        case "--list" -> {
          TARGETS.forEach(System.out::println);
          return;
        }
        default -> {
          if (args[i].startsWith("-")) {
            throw new IllegalArgumentException("unknown option " + args[i] + "; options: --runs N --timeout S"
                + " --keep-going N --keep-corpus --heap SIZE --list [target substrings...]");
          }
          only.add(args[i]);
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    for (String target : TARGETS) {
      if (!only.isEmpty() && only.stream().noneMatch(target::contains)) {
        continue;
      }
      Row row = parent(target, runs, timeoutSeconds, keepGoing, keepCorpus, heap);
      rows.add(row);
      System.out.println(row.line());
      System.out.flush();
    }
    System.out.println();
    System.out.println(String.format("| %-42s | %10s | %7s | %7s | %8s | %6s |", "target", "executions", "seconds",
        "exec/s", "findings", "corpus"));
    System.out.println("|" + "-".repeat(44) + "|" + "-".repeat(12) + "|" + "-".repeat(9) + "|" + "-".repeat(9) + "|"
        + "-".repeat(10) + "|" + "-".repeat(8) + "|");
    rows.forEach(r -> System.out.println(r.table()));
    boolean ok = rows.stream().allMatch(r -> r.findings == 0 && r.exitCode == 0 && r.executions >= r.runs);
    System.out.println(ok ? "all targets reached " + runs + " executions without findings"
        : "FINDINGS or errors: see target/fuzz/logs and the Inputs directories");
    System.exit(ok ? 0 : 1);
  }

  record Row(String target, long runs, long executions, double seconds, int findings, long corpus, int exitCode) {
    String line() {
      return target + ": " + executions + " executions in " + String.format("%.0f", seconds) + " s, " + findings
          + " findings, corpus " + corpus + (exitCode == 0 ? "" : ", exit code " + exitCode);
    }

    String table() {
      String name = target.substring(target.lastIndexOf('.') + 1);
      return String.format("| %-42s | %10d | %7.0f | %7.0f | %8d | %6d |", name, executions, seconds,
          seconds > 0 ? executions / seconds : 0, findings, corpus);
    }
  }

  private static Row parent(String target, long runs, int timeoutSeconds, int keepGoing, boolean keepCorpus,
      String heap) throws Exception {
    String dirName = target.replace('#', '.');
    Path corpus = OUT.resolve("corpus").resolve(dirName).toAbsolutePath();
    Path seeds = OUT.resolve("seeds").resolve(dirName).toAbsolutePath();
    Path log = OUT.resolve("logs").resolve(dirName + ".log").toAbsolutePath();
    if (!keepCorpus) {
      deleteTree(corpus);
    }
    deleteTree(seeds);
    Files.createDirectories(corpus);
    Files.createDirectories(log.getParent());
    writeSeeds(target, seeds);

    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap, "-Xss1m",
        "-XX:+UseSerialGC", "-Djdk.attach.allowAttachSelf=true", "-cp", System.getProperty("java.class.path"),
        FuzzBench.class.getName(), "--child", target, Long.toString(runs), corpus.toString(), seeds.toString(),
        Integer.toString(timeoutSeconds), Integer.toString(keepGoing)));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("JAZZER_FUZZ", "1");
    long start = System.nanoTime();
    int exit = pb.start().waitFor();
    double seconds = (System.nanoTime() - start) / 1e9;
    String out = Files.readString(log, StandardCharsets.ISO_8859_1);
    long executions = lastLong(out, "stat::number_of_executed_units: (\\d+)",
        lastLong(out, "(?m)^#(\\d+)\\s", 0));
    long corpusSize = lastLong(out, "corp: (\\d+)/", 0);
    int findings = count(out, "Test unit written to");
    return new Row(target, runs, executions, seconds, findings, corpusSize, exit);
  }

  /** Seeds come from the target class's static {@code <method>Seeds()} returning a List of byte[], if any. */
  private static void writeSeeds(String target, Path seeds) throws Exception {
    Files.createDirectories(seeds);
    String[] classAndMethod = target.split("#");
    Method supplier;
    try {
      supplier = Class.forName(classAndMethod[0]).getDeclaredMethod(classAndMethod[1] + "Seeds");
    } catch (NoSuchMethodException e) {
      return;
    }
    supplier.setAccessible(true);
    @SuppressWarnings("unchecked")
    List<byte[]> list = (List<byte[]>) supplier.invoke(null);
    for (byte[] seed : list) {
      String name = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(seed));
      Files.write(seeds.resolve("seed-" + name), seed);
    }
  }

  /** Runs one fuzz test in fuzzing mode through the JUnit launcher, as Jazzer's JUnit integration expects. */
  private static int child(String target, long runs, Path corpus, Path seeds, String timeoutSeconds,
      String keepGoing) throws Exception {
    // read once, when Jazzer's JUnit support loads: set before anything touches it
    System.setProperty("JAZZER_FUZZ", "1");
    String[] classAndMethod = target.split("#");
    Class<?> testClass = Class.forName(classAndMethod[0]);
    Method method = null;
    for (Method m : testClass.getDeclaredMethods()) {
      if (m.getName().equals(classAndMethod[1])) {
        method = m;
      }
    }
    if (method == null) {
      throw new IllegalArgumentException("no fuzz test " + target);
    }
    Map<String, String> config = new LinkedHashMap<>();
    // libFuzzer's command line: argv0, the writable corpus, read-only seeds, then flags
    List<String> libFuzzerArgs = List.of("fuzz", corpus.toString(), seeds.toString(), "-timeout=" + timeoutSeconds,
        "-print_final_stats=1");
    for (int i = 0; i < libFuzzerArgs.size(); i++) {
      config.put("jazzer.internal.arg." + i, libFuzzerArgs.get(i));
    }
    config.put("jazzer.max_executions", Long.toString(runs));
    config.put("jazzer.max_duration", "60m");
    config.put("jazzer.keep_going", keepGoing);
    config.put("jazzer.hooks", "true");
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
        .selectors(selectMethod(testClass, method))
        .configurationParameters(config)
        .build();
    Launcher launcher = LauncherFactory.create();
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    launcher.execute(request, summary);
    summary.getSummary().printFailuresTo(new java.io.PrintWriter(System.out, true), 20);
    summary.getSummary().printTo(new java.io.PrintWriter(System.out, true));
    return summary.getSummary().getTotalFailureCount() == 0 && summary.getSummary().getTestsSucceededCount() > 0
        ? 0 : 1;
  }

  private static long lastLong(String text, String regex, long fallback) {
    Matcher m = Pattern.compile(regex).matcher(text);
    long value = fallback;
    while (m.find()) {
      value = Long.parseLong(m.group(1));
    }
    return value;
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      FuzzFiles.deleteContents(dir);
      Files.delete(dir);
    }
  }
}
