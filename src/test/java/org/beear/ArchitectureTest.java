package org.beear;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shape the developers' guide asks for, read from the sources: data flows one way between the top-level
 * packages (no cycles), the algorithm packages know nothing of Spring, the service packages nothing of tensors.
 */
class ArchitectureTest {

  private static final Path SOURCES = Path.of("src/main/java/org/beear");
  /** Any mention of another beear package, in an import or written out in full in the code. */
  private static final Pattern BEEAR_REFERENCE = Pattern.compile("\\borg\\.beear\\.([a-z][a-z0-9]*)\\.");
  private static final Set<String> ALGORITHM = Set.of("llm", "beear", "eval", "plan", "organism", "datasets",
      "options", "files", "attest");
  private static final Set<String> SERVICE = Set.of("api", "job", "worker", "source", "app");

  @Test
  void topLevelPackagesFormNoCycle() {
    Map<String, Map<String, Set<String>>> graph = dependencies();
    List<String> cycles = new ArrayList<>();
    for (String start : graph.keySet()) {
      List<String> cycle = cycleThrough(start, graph);
      if (!cycle.isEmpty() && cycle.get(0).equals(minimum(cycle))) {
        cycles.add(describe(cycle, graph));
      }
    }
    assertThat(cycles).as("package cycles (each edge lists the files that make it)").isEmpty();
  }

  @Test
  void algorithmPackagesKnowNothingOfSpring() {
    assertThat(filesMentioning(ALGORITHM, Pattern.compile("\\b(org\\.springframework|jakarta)\\.")))
        .as("algorithm files that use Spring or Jakarta").isEmpty();
  }

  @Test
  void servicePackagesKnowNothingOfTensors() {
    assertThat(filesMentioning(SERVICE, Pattern.compile("\\b(ai\\.djl|org\\.beear\\.llm)\\.")))
        .as("service files that use DJL or the engine").isEmpty();
  }

  /** Attestations sign and check files: the engine and the service both use them, and they use neither. */
  @Test
  void attestationsKnowNothingOfTensorsOrTheEngine() {
    assertThat(filesMentioning(Set.of("attest"), Pattern.compile("\\b(ai\\.djl|org\\.beear\\.(llm|beear))\\.")))
        .as("attest files that use DJL or the engine").isEmpty();
  }

  /**
   * The cleanser and the organisms share data sets ({@code datasets}) and evaluation ({@code eval}), never each
   * other: the defence must not be built on the attack's code, nor the attack on the defence's.
   */
  @Test
  void theCleanserAndTheOrganismsAreIndependent() {
    Map<String, Map<String, Set<String>>> graph = dependencies();
    assertThat(graph.getOrDefault("beear", Map.of()).get("organism")).as("beear files mentioning organism").isNull();
    assertThat(graph.getOrDefault("organism", Map.of()).get("beear")).as("organism files mentioning beear").isNull();
  }

  /**
   * The algorithm's own packages ({@code beear.data}, {@code beear.settings}, {@code beear.evaluation},
   * {@code beear.loop}, {@code beear.scan}, {@code beear.relearn}) form no cycle, and none mentions the package
   * above them ({@code beear}: the engine's door and the stages of a cleanse), which builds on them.
   */
  @Test
  void theAlgorithmsPackagesFormNoCycleAndNeverImportUp() {
    Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
    Pattern reference = Pattern.compile("\\borg\\.beear\\.beear\\.(?:([a-z][a-z0-9]*)\\.|([A-Z]))");
    forEachSource((pkg, file, text) -> {
      if (!pkg.equals("beear")) {
        return;
      }
      String from = file.contains("/") ? "beear." + file.substring(0, file.indexOf('/')) : "beear";
      Map<String, Set<String>> edges = graph.computeIfAbsent(from, p -> new TreeMap<>());
      Matcher m = reference.matcher(text);
      while (m.find()) {
        String to = m.group(1) != null ? "beear." + m.group(1) : "beear";
        if (!to.equals(from)) {
          edges.computeIfAbsent(to, p -> new TreeSet<>()).add(file);
        }
      }
    });
    assertThat(graph.keySet()).as("the algorithm's packages").contains("beear", "beear.data", "beear.settings",
        "beear.evaluation", "beear.loop", "beear.scan", "beear.relearn");
    List<String> up = new ArrayList<>();
    graph.forEach((from, edges) -> {
      if (!from.equals("beear") && edges.containsKey("beear")) {
        up.add(from + " -> beear " + edges.get("beear"));
      }
    });
    assertThat(up).as("subpackages that mention the package above them").isEmpty();
    List<String> cycles = new ArrayList<>();
    for (String start : graph.keySet()) {
      List<String> cycle = cycleThrough(start, graph);
      if (!cycle.isEmpty() && cycle.get(0).equals(minimum(cycle))) {
        cycles.add(describe(cycle, graph));
      }
    }
    assertThat(cycles).as("cycles between the algorithm's packages").isEmpty();
  }

  @Test
  void theCheckSeesACycleWhenThereIsOne() {
    Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
    graph.put("a", Map.of("b", Set.of("A.java")));
    graph.put("b", Map.of("c", Set.of("B.java")));
    graph.put("c", Map.of("a", Set.of("C.java")));
    assertThat(describe(cycleThrough("a", graph), graph)).isEqualTo("a -[A.java]-> b -[B.java]-> c -[C.java]-> a");
    graph.put("c", Map.of());
    assertThat(cycleThrough("a", graph)).isEmpty();
  }

  /** package → package it mentions → the files (relative to the package) that mention it. */
  private static Map<String, Map<String, Set<String>>> dependencies() {
    Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
    forEachSource((pkg, file, text) -> {
      Map<String, Set<String>> edges = graph.computeIfAbsent(pkg, p -> new TreeMap<>());
      Matcher m = BEEAR_REFERENCE.matcher(text);
      while (m.find()) {
        if (!m.group(1).equals(pkg)) {
          edges.computeIfAbsent(m.group(1), p -> new TreeSet<>()).add(file);
        }
      }
    });
    return graph;
  }

  /** A shortest path from {@code start} back to itself, as the packages on it, or empty. */
  private static List<String> cycleThrough(String start, Map<String, Map<String, Set<String>>> graph) {
    Map<String, String> parent = new TreeMap<>();
    Deque<String> queue = new ArrayDeque<>(List.of(start));
    while (!queue.isEmpty()) {
      String at = queue.poll();
      for (String next : graph.getOrDefault(at, Map.of()).keySet()) {
        if (next.equals(start)) {
          List<String> path = new ArrayList<>(List.of(at));
          while (!path.get(0).equals(start)) {
            path.add(0, parent.get(path.get(0)));
          }
          return path;
        }
        if (!parent.containsKey(next)) {
          parent.put(next, at);
          queue.add(next);
        }
      }
    }
    return List.of();
  }

  private static String describe(List<String> cycle, Map<String, Map<String, Set<String>>> graph) {
    StringBuilder out = new StringBuilder(cycle.get(0));
    for (int i = 0; i < cycle.size(); i++) {
      String from = cycle.get(i);
      String to = cycle.get((i + 1) % cycle.size());
      out.append(" -").append(graph.get(from).get(to)).append("-> ").append(to);
    }
    return out.toString();
  }

  private static String minimum(List<String> cycle) {
    return cycle.stream().min(String::compareTo).orElseThrow();
  }

  private static List<String> filesMentioning(Set<String> packages, Pattern pattern) {
    List<String> files = new ArrayList<>();
    forEachSource((pkg, file, text) -> {
      if (packages.contains(pkg) && pattern.matcher(text).find()) {
        files.add(pkg + "/" + file);
      }
    });
    return files;
  }

  private interface SourceVisitor {
    void visit(String topLevelPackage, String fileInPackage, String text);
  }

  private static void forEachSource(SourceVisitor visitor) {
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        Path relative = SOURCES.relativize(file);
        if (relative.getNameCount() < 2) {
          continue; // the application class at the root belongs to no capability
        }
        String text = withoutComments(Files.readString(file));
        visitor.visit(relative.getName(0).toString(), relative.subpath(1, relative.getNameCount()).toString(), text);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Javadoc may name another package ({@code @see}) without depending on it. */
  private static String withoutComments(String java) {
    return java.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
  }
}
