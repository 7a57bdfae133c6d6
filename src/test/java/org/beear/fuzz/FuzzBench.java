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
      "org.beear.llm.text.ChatTemplateFuzzTest#templateBudget",
      "org.beear.source.ArchiveExtractorFuzzTest#archive",
      "org.beear.source.ArchiveExtractorFuzzTest#tarStream",
      "org.beear.beear.data.DefenderDataFuzzTest#csv",
      "org.beear.beear.data.DefenderDataFuzzTest#jsonLines");

  private static final Path OUT = Path.of("target", "fuzz");

  private FuzzBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      System.exit(child(args[1], Long.parseLong(args[2]), Path.of(args[3]), Path.of(args[4]), args[5], args[6],
          args[7]));
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
    System.out.println(String.format("| %-38s | %10s | %9s | %6s | %7s | %8s | %6s |", "target", "executions",
        "fuzzing s", "wall s", "exec/s", "findings", "corpus"));
    System.out.println("|" + "-".repeat(40) + "|" + "-".repeat(12) + "|" + "-".repeat(11) + "|" + "-".repeat(8) + "|"
        + "-".repeat(9) + "|" + "-".repeat(10) + "|" + "-".repeat(8) + "|");
    rows.forEach(r -> System.out.println(r.table()));
    boolean ok = rows.stream().allMatch(r -> r.findings == 0 && r.exitCode == 0 && r.executions >= r.runs);
    System.out.println(ok ? "all targets reached " + runs + " executions without findings"
        : "FINDINGS or errors: see target/fuzz/logs and the Inputs directories");
    System.exit(ok ? 0 : 1);
  }

  /**
   * @param fuzzSeconds libFuzzer's own count (whole seconds, from its "Done N runs in S second(s)"): the time
   *     spent fuzzing, without the child JVM's start and Jazzer's instrumentation
   * @param wallSeconds the child JVM from start to exit
   */
  record Row(String target, long runs, long executions, long fuzzSeconds, double wallSeconds, int findings,
      long corpus, int exitCode) {
    String line() {
      return target + ": " + executions + " executions in " + fuzzSeconds + " s (" + String.format("%.0f", wallSeconds)
          + " s wall), " + findings + " findings, corpus " + corpus + (exitCode == 0 ? "" : ", exit code " + exitCode);
    }

    String table() {
      String name = target.substring(target.lastIndexOf('.') + 1);
      return String.format("| %-38s | %10d | %9d | %6.0f | %7d | %8d | %6d |", name, executions, fuzzSeconds,
          wallSeconds, executions / Math.max(1, fuzzSeconds), findings, corpus);
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
    int maxSeed = writeSeeds(target, seeds);

    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap, "-Xss1m",
        "-XX:+UseSerialGC", "-Djdk.attach.allowAttachSelf=true", "-Dbeear.fuzz.scratch=" + scratchRoot(),
        "-cp", System.getProperty("java.class.path"),
        FuzzBench.class.getName(), "--child", target, Long.toString(runs), corpus.toString(), seeds.toString(),
        Integer.toString(timeoutSeconds), Integer.toString(keepGoing), Integer.toString(Math.max(4096, 2 * maxSeed))));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("JAZZER_FUZZ", "1");
    long start = System.nanoTime();
    int exit = pb.start().waitFor();
    double seconds = (System.nanoTime() - start) / 1e9;
    String out = Files.readString(log, StandardCharsets.ISO_8859_1);
    long executions = lastLong(out, "stat::number_of_executed_units: (\\d+)",
        lastLong(out, "(?m)^#(\\d+)\\s", 0));
    long fuzzSeconds = lastLong(out, "Done \\d+ runs in (\\d+) second", -1);
    long corpusSize = lastLong(out, "corp: (\\d+)/", 0);
    int findings = count(out, "Test unit written to");
    return new Row(target, runs, executions, fuzzSeconds, seconds, findings, corpusSize, exit);
  }

  /** A tmpfs if the machine has one (scratch files are written and deleted 100,000 times), else the temp dir. */
  private static String scratchRoot() {
    Path shm = Path.of("/dev/shm");
    return Files.isDirectory(shm) && Files.isWritable(shm) ? shm.toString() : System.getProperty("java.io.tmpdir");
  }

  /**
   * Seeds come from the target class's static {@code <method>Seeds()} returning a List of byte[], if any.
   *
   * @return the longest seed's length
   */
  private static int writeSeeds(String target, Path seeds) throws Exception {
    Files.createDirectories(seeds);
    String[] classAndMethod = target.split("#");
    Method supplier;
    try {
      supplier = Class.forName(classAndMethod[0]).getDeclaredMethod(classAndMethod[1] + "Seeds");
    } catch (NoSuchMethodException e) {
      return 0;
    }
    supplier.setAccessible(true);
    @SuppressWarnings("unchecked")
    List<byte[]> list = (List<byte[]>) supplier.invoke(null);
    int longest = 0;
    for (byte[] seed : list) {
      String name = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(seed));
      Files.write(seeds.resolve("seed-" + name), seed);
      longest = Math.max(longest, seed.length);
    }
    return longest;
  }

  /** Runs one fuzz test in fuzzing mode through the JUnit launcher, as Jazzer's JUnit integration expects. */
  private static int child(String target, long runs, Path corpus, Path seeds, String timeoutSeconds,
      String keepGoing, String maxLen) throws Exception {
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
    // libFuzzer's command line: argv0, the writable corpus, read-only seeds, then flags. Without -max_len it
    // would not grow inputs past the longest seed (Jazzer's mutator turns off libFuzzer's length control).
    List<String> libFuzzerArgs = List.of("fuzz", corpus.toString(), seeds.toString(), "-timeout=" + timeoutSeconds,
        "-max_len=" + maxLen, "-print_final_stats=1");
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
