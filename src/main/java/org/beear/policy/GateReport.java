package org.beear.policy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.beear.files.FileDigest;

/**
 * What a command hands a CI system about the model it checked: SARIF 2.1.0 ({@code --sarif}) for code-scanning
 * dashboards, and beear's own JSON ({@code --json}). Both name the model's files with their SHA-256, so a finding
 * is tied to the exact bytes it was measured on.
 *
 * @param version   beear's version
 * @param command   the command that measured ({@code scan}, {@code cleanse}, {@code evaluate})
 * @param modelDir  the model checked (for a cleanse: the cleansed output)
 * @param artifacts the model's files, paths relative to {@code modelDir}
 * @param policyFile the policy file, or null (a job's policy, or none)
 * @param policy    the policy, or null when none was given
 * @param outcome   the policy's outcome, or null when none was given
 * @param inputs    the figures the policy was checked against
 */
public record GateReport(String version, String command, Path modelDir, List<FileDigest> artifacts, Path policyFile,
    Policy policy, PolicyOutcome outcome, PolicyInputs inputs) {

  /** The SARIF version written, and the schema it validates against. */
  public static final String SARIF_VERSION = "2.1.0";
  static final String SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
  /** The base the artifacts' relative paths resolve against. */
  static final String MODEL_ROOT = "MODELROOT";

  public GateReport {
    artifacts = List.copyOf(artifacts);
  }

  /** {@code --json}: the policy, its outcome per rule, the figures and the model's files. */
  public Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tool", "beear");
    m.put("version", version);
    m.put("command", command);
    m.put("model", modelDir.toString());
    m.put("policy", policy == null ? null : policy.toMap());
    m.put("outcome", outcome == null ? null : outcome.toMap());
    m.put("measurements", inputs.toMap());
    m.put("artifacts", artifacts);
    return m;
  }

  /**
   * {@code --sarif}: one run of tool {@code beear}, one reporting descriptor per rule of the policy, one result per
   * rule that failed (level error) or could not be decided (level note), each located at the model's config.json
   * (or its first file); the model's files as artifacts with their SHA-256.
   */
  public Map<String, Object> sarif() {
    List<PolicyRule> rules = policy == null ? List.of() : policy.rules();
    List<Map<String, Object>> descriptors = new ArrayList<>();
    for (PolicyRule rule : rules) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("id", rule.key());
      d.put("name", camel(rule.key()));
      d.put("shortDescription", text(rule.describe(policy.thresholds().get(rule))));
      d.put("fullDescription", text(rule.help()));
      d.put("help", text(rule.help() + " Set by key " + rule.key() + " of the policy file."));
      d.put("defaultConfiguration", Map.of("level", "error"));
      descriptors.add(d);
    }
    Map<String, Object> driver = new LinkedHashMap<>();
    driver.put("name", "beear");
    driver.put("version", version);
    driver.put("semanticVersion", version);
    driver.put("rules", descriptors);

    List<Map<String, Object>> files = new ArrayList<>();
    for (FileDigest f : artifacts) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("location", Map.of("uri", relativeUri(f.path()), "uriBaseId", MODEL_ROOT));
      a.put("length", f.bytes());
      a.put("roles", List.of("analysisTarget"));
      a.put("hashes", Map.of("sha-256", f.sha256()));
      files.add(a);
    }
    if (policyFile != null) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("location", Map.of("uri", policyFile.toAbsolutePath().normalize().toUri().toString()));
      a.put("roles", List.of("policy"));
      files.add(a);
    }

    List<Map<String, Object>> results = new ArrayList<>();
    if (outcome != null) {
      for (PolicyOutcome.RuleOutcome r : outcome.rules()) {
        if (r.status() != PolicyOutcome.Status.FAIL && r.status() != PolicyOutcome.Status.INCONCLUSIVE) {
          continue;
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("ruleId", r.rule().key());
        result.put("ruleIndex", rules.indexOf(r.rule()));
        result.put("level", r.status() == PolicyOutcome.Status.FAIL ? "error" : "note");
        result.put("message", text((r.status() == PolicyOutcome.Status.FAIL ? "Policy violated: "
            : "Policy not decided: ") + r.description() + ". " + r.reason() + "."));
        int at = primaryArtifact();
        if (at >= 0) {
          result.put("locations", List.of(Map.of("physicalLocation", Map.of("artifactLocation",
              Map.of("uri", relativeUri(artifacts.get(at).path()), "uriBaseId", MODEL_ROOT, "index", at)))));
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("status", r.status().label());
        properties.put("threshold", r.threshold());
        properties.put("measured", r.measured());
        properties.put("bound", r.bound());
        result.put("properties", properties);
        results.add(result);
      }
    }

    Map<String, Object> invocation = new LinkedHashMap<>();
    invocation.put("executionSuccessful", true);
    invocation.put("exitCode", outcome == null ? PolicyOutcome.EXIT_PASS : outcome.exitCode());
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("tool", Map.of("driver", driver));
    run.put("invocations", List.of(invocation));
    run.put("originalUriBaseIds", Map.of(MODEL_ROOT, Map.of("uri", directoryUri(modelDir))));
    run.put("artifacts", files);
    run.put("results", results);
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("command", command);
    properties.put("policyStatus", outcome == null ? "none" : outcome.status().label());
    run.put("properties", properties);

    Map<String, Object> log = new LinkedHashMap<>();
    log.put("$schema", SARIF_SCHEMA);
    log.put("version", SARIF_VERSION);
    log.put("runs", List.of(run));
    return log;
  }

  /** config.json if the model has one, else its first file; -1 without files. */
  private int primaryArtifact() {
    for (int i = 0; i < artifacts.size(); i++) {
      if (artifacts.get(i).path().equals("config.json")) {
        return i;
      }
    }
    return artifacts.isEmpty() ? -1 : 0;
  }

  /** A relative path as a URI reference: "sub dir/a.json" is "sub%20dir/a.json"; a colon cannot start a scheme. */
  static String relativeUri(String path) {
    try {
      String uri = new java.net.URI(null, null, path, null).toASCIIString();
      int colon = uri.indexOf(':');
      return colon >= 0 && (uri.indexOf('/') < 0 || colon < uri.indexOf('/')) ? "./" + uri : uri;
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("cannot name " + path + " by a URI", e);
    }
  }

  private static String directoryUri(Path dir) {
    String uri = dir.toAbsolutePath().normalize().toUri().toString();
    return uri.endsWith("/") ? uri : uri + "/";
  }

  private static Map<String, Object> text(String s) {
    return Map.of("text", s);
  }

  /** max_triggered_asr → MaxTriggeredAsr, SARIF's rule name. */
  private static String camel(String key) {
    StringBuilder out = new StringBuilder();
    for (String part : key.split("_")) {
      out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    }
    return out.toString();
  }
}
