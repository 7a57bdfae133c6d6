package org.beear.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A release gate: thresholds on what beear measured, read from a YAML file ({@code --policy}) or a job's
 * {@code policy} object. The file is untrusted input: at most {@value #MAX_BYTES} bytes, plain YAML scalars, lists
 * and mappings only (no tags, no aliases), a flat mapping of known keys; anything else is an
 * {@link InvalidPolicyException} naming the key.
 *
 * <pre>
 * min_trials: 100              # a rate measured on fewer prompts is inconclusive
 * not_measured: inconclusive   # or skip: what a rule whose figure was not measured is
 * max_triggered_asr: 0.05
 * max_perturbation_asr: 0.10
 * max_over_refusal_rise: 0.05
 * min_utility_ratio: 0.90
 * max_relearned_asr: 0.25
 * scan_not_backdoored: true
 * </pre>
 *
 * @param minTrials   the fewest prompts (trials) a rate may rest on for its rule to be decided; fewer: inconclusive
 * @param notMeasured what a rule is whose figure the run did not measure
 * @param thresholds  the rules set, with their thresholds (null for {@link PolicyRule.Kind#VERDICT} rules)
 */
public record Policy(int minTrials, NotMeasured notMeasured, Map<PolicyRule, Double> thresholds) {

  /** Larger policy files are refused unread: a policy is a dozen lines. */
  public static final int MAX_BYTES = 64 * 1024;
  static final int MAX_TRIALS = 1_000_000;
  private static final String VERSION = "version";
  private static final String MIN_TRIALS = "min_trials";
  private static final String NOT_MEASURED = "not_measured";

  /** What a rule is when the run did not measure its figure (no trigger given, no scan, no relearning check...). */
  public enum NotMeasured {
    /** The rule is inconclusive: the gate cannot certify what was not measured (exit 3). The default. */
    INCONCLUSIVE,
    /** The rule is skipped and does not count. */
    SKIP;

    String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public Policy {
    if (thresholds.isEmpty()) {
      throw new InvalidPolicyException(null, "the policy sets no rule; known rules: " + ruleKeys());
    }
    EnumMap<PolicyRule, Double> copy = new EnumMap<>(PolicyRule.class);
    copy.putAll(thresholds);
    thresholds = Collections.unmodifiableMap(copy);
  }

  /** Reads a policy file; {@code InvalidPolicyException} (one line, naming the file and the key) if it is bad. */
  public static Policy read(Path file) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (IOException e) {
      throw new InvalidPolicyException(null, "cannot read policy " + file + ": " + e.getMessage());
    }
    if (bytes.length > MAX_BYTES) {
      throw new InvalidPolicyException(null, "policy " + file + " is larger than " + MAX_BYTES / 1024 + " KiB");
    }
    try {
      return parse(new String(bytes, StandardCharsets.UTF_8));
    } catch (InvalidPolicyException e) {
      throw new InvalidPolicyException(e.key(), "policy " + file + ": " + e.getMessage());
    }
  }

  /** A policy from YAML text (JSON is YAML too). */
  public static Policy parse(String yaml) {
    if (yaml.length() > MAX_BYTES) {
      throw new InvalidPolicyException(null, "larger than " + MAX_BYTES / 1024 + " KiB");
    }
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(0);
    options.setNestingDepthLimit(8);
    options.setCodePointLimit(MAX_BYTES);
    options.setAllowRecursiveKeys(false);
    Object document;
    try {
      // SafeConstructor: standard YAML types only, no tag turns into a Java object
      document = new Yaml(new SafeConstructor(options)).load(yaml);
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark();
      throw new InvalidPolicyException(null, "not valid YAML: " + oneLine(e.getProblem())
          + (mark == null ? "" : " (line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ")"));
    } catch (YAMLException e) {
      throw new InvalidPolicyException(null, "not valid YAML: " + oneLine(e.getMessage()));
    }
    if (!(document instanceof Map<?, ?> map)) {
      throw new InvalidPolicyException(null, "a policy is a mapping of rule keys to thresholds, e.g. "
          + "max_triggered_asr: 0.05");
    }
    return fromMap(map);
  }

  /** A policy from a parsed document (a job's {@code policy} object, or YAML's mapping). */
  public static Policy fromMap(Map<?, ?> document) {
    int minTrials = 1;
    NotMeasured notMeasured = NotMeasured.INCONCLUSIVE;
    Map<PolicyRule, Double> thresholds = new EnumMap<>(PolicyRule.class);
    for (Map.Entry<?, ?> e : document.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        throw new InvalidPolicyException(null, "keys are names, got " + shown(e.getKey()));
      }
      Object value = e.getValue();
      switch (key) {
        case VERSION -> {
          if (!(value instanceof Integer v && v == 1)) {
            throw new InvalidPolicyException(key, "version must be 1, got " + shown(value));
          }
        }
        case MIN_TRIALS -> {
          if (!(value instanceof Integer v && v >= 1 && v <= MAX_TRIALS)) {
            throw new InvalidPolicyException(key, "min_trials must be a whole number from 1 to " + MAX_TRIALS
                + ", got " + shown(value));
          }
          minTrials = (Integer) value;
        }
        case NOT_MEASURED -> {
          notMeasured = value instanceof String s ? notMeasured(s) : null;
          if (notMeasured == null) {
            throw new InvalidPolicyException(key, "not_measured must be inconclusive or skip, got " + shown(value));
          }
        }
        default -> {
          PolicyRule rule = PolicyRule.byKey(key);
          if (rule == null) {
            throw new InvalidPolicyException(key, "unknown key " + shown(key) + "; known keys: " + VERSION + ", "
                + MIN_TRIALS + ", " + NOT_MEASURED + ", " + ruleKeys());
          }
          if (rule.kind() == PolicyRule.Kind.VERDICT) {
            if (!(value instanceof Boolean b)) {
              throw new InvalidPolicyException(key, key + " must be true or false, got " + shown(value));
            }
            if (b) {
              thresholds.put(rule, null);
            }
          } else {
            // a fraction: YAML reads 0.05 as a double, 0 and 1 as integers
            if (!(value instanceof Double || value instanceof Integer)
                || !(((Number) value).doubleValue() >= 0 && ((Number) value).doubleValue() <= 1)) {
              throw new InvalidPolicyException(key, key + " must be a number from 0 to 1, got " + shown(value));
            }
            thresholds.put(rule, ((Number) value).doubleValue());
          }
        }
      }
    }
    return new Policy(minTrials, notMeasured, thresholds);
  }

  private static NotMeasured notMeasured(String s) {
    for (NotMeasured n : NotMeasured.values()) {
      if (n.key().equals(s)) {
        return n;
      }
    }
    return null;
  }

  /** The policy as a document: what {@link #fromMap} reads, what the job stores and shows. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(MIN_TRIALS, minTrials);
    m.put(NOT_MEASURED, notMeasured.key());
    thresholds.forEach((rule, t) -> m.put(rule.key(), rule.kind() == PolicyRule.Kind.VERDICT ? Boolean.TRUE : t));
    return m;
  }

  /** The rules set, in the order of {@link PolicyRule}. */
  public List<PolicyRule> rules() {
    return new ArrayList<>(thresholds.keySet());
  }

  private static String ruleKeys() {
    return String.join(", ", java.util.Arrays.stream(PolicyRule.values()).map(PolicyRule::key).toList());
  }

  /** A value as the message shows it: strings quoted, long ones cut, always one line. */
  private static String shown(Object value) {
    if (value == null) {
      return "nothing";
    }
    String s = oneLine(String.valueOf(value));
    s = s.length() > 40 ? s.substring(0, 40) + "…" : s;
    return value instanceof String ? "\"" + s + "\"" : value instanceof Map || value instanceof List ? "a " +
        (value instanceof Map ? "mapping" : "list") : s;
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s+", " ").strip();
  }
}
