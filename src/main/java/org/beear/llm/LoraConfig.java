package org.beear.llm;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A PEFT LoRA adapter's {@code adapter_config.json}, the part of it beear applies: W' = W + s·B·A on every targeted
 * projection, s = α/r (or α/√r with rsLoRA). The file comes with an untrusted adapter, so every field that would
 * change what the adapter computes and that beear does not implement (DoRA, modules_to_save, layer patterns, rank
 * patterns, biases, fan_in_fan_out...) is refused with a one-line error naming it, rather than applied wrongly.
 *
 * @param r               the rank
 * @param alpha           {@code lora_alpha}
 * @param rsLora          {@code use_rslora}: scale α/√r instead of α/r
 * @param targetModules   module names (or full module paths) the adapter targets; empty with {@code allLinear}
 * @param allLinear       {@code target_modules: "all-linear"}: every linear layer but the output head
 * @param baseModel       {@code base_model_name_or_path}, or null
 * @param revision        {@code revision} of the base, or null
 * @param json            the file's own object, so a cleansed adapter is written with the same config
 */
public record LoraConfig(int r, double alpha, boolean rsLora, List<String> targetModules, boolean allLinear,
    String baseModel, String revision, ObjectNode json) {

  public static final String FILE_NAME = "adapter_config.json";
  /** Real adapter configs are about a kilobyte; anything past this is not one. */
  static final long MAX_BYTES = 1 << 20;
  /** Most ranks an adapter may have, as adapter_rank allows (BeearOptions.MAX_ADAPTER_RANK). */
  public static final int MAX_RANK = 1024;
  /** The projections of a Llama-family decoder layer, by their module names. */
  static final List<String> PROJECTIONS =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /**
   * Fields beear knows: those it reads or checks, and those that only steer training or bookkeeping in PEFT and
   * leave what a saved adapter computes alone. Any other field that is set is refused.
   */
  private static final Set<String> KNOWN = Set.of("peft_type", "task_type", "base_model_name_or_path",
      "revision", "r", "lora_alpha", "use_rslora", "target_modules", "lora_dropout", "inference_mode",
      "init_lora_weights", "auto_mapping", "peft_version", "megatron_core", "qalora_group_size", "bias",
      "fan_in_fan_out", "modules_to_save", "use_dora", "layers_to_transform", "layers_pattern", "rank_pattern",
      "alpha_pattern", "exclude_modules", "lora_bias", "use_qalora", "megatron_config", "layer_replication",
      "target_parameters", "trainable_token_indices", "loftq_config", "eva_config", "corda_config",
      "runtime_config", "alora_invocation_tokens", "ensure_weight_tying", "arrow_config");

  public LoraConfig {
    targetModules = List.copyOf(targetModules);
  }

  /** s: α/r, or α/√r with rsLoRA. */
  public double scale() {
    return rsLora ? alpha / Math.sqrt(r) : alpha / r;
  }

  /** Whether the projection with transformers name {@code weightName} ({@code ...q_proj.weight}) is targeted. */
  public boolean targets(String weightName) {
    String module = weightName.substring(0, weightName.length() - ".weight".length());
    String leaf = module.substring(module.lastIndexOf('.') + 1);
    if (allLinear) {
      return PROJECTIONS.contains(leaf);
    }
    // PEFT's rule for a list: a module is targeted when its name is an entry or ends with "." + an entry
    return targetModules.stream().anyMatch(t -> module.equals(t) || module.endsWith("." + t));
  }

  /** Reads and checks {@code dir/adapter_config.json}. */
  public static LoraConfig load(Path dir) {
    Path file = dir.resolve(FILE_NAME);
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new IllegalArgumentException(file + " is missing or not a regular file");
      }
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException(file + " is " + Files.size(file) + " bytes, more than the "
            + MAX_BYTES + " an adapter config may have");
      }
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage().startsWith(file.toString()) ? e.getMessage()
          : file + ": " + e.getMessage(), e);
    }
  }

  /** Parses the JSON text of an adapter_config.json; an IllegalArgumentException names the field at fault. */
  public static LoraConfig parse(String text) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    ObjectNode n = (ObjectNode) root;
    String peftType = text(n, "peft_type");
    if (!"LORA".equals(peftType)) {
      throw new IllegalArgumentException("peft_type is " + (peftType == null ? "missing" : "'" + peftType + "'")
          + "; beear reads LORA adapters only");
    }
    String task = text(n, "task_type");
    if (task != null && !task.equals("CAUSAL_LM")) {
      throw new IllegalArgumentException("task_type is '" + task + "'; beear reads CAUSAL_LM adapters only");
    }
    JsonNode rNode = n.get("r");
    if (rNode == null || !rNode.isIntegralNumber() || !rNode.canConvertToInt() || rNode.intValue() < 1
        || rNode.intValue() > MAX_RANK) {
      throw new IllegalArgumentException("r must be an integer in 1.." + MAX_RANK + ", got " + rNode);
    }
    int r = rNode.intValue();
    JsonNode alphaNode = n.get("lora_alpha");
    double alpha = alphaNode == null || alphaNode.isNull() ? 8 : alphaNode.isNumber() ? alphaNode.doubleValue()
        : Double.NaN;
    if (!Double.isFinite(alpha) || alpha == 0) {
      throw new IllegalArgumentException("lora_alpha must be a finite non-zero number, got " + alphaNode);
    }
    boolean rsLora = flag(n, "use_rslora");
    List<String> targets = new ArrayList<>();
    boolean allLinear = targetModules(n.get("target_modules"), targets);
    refuseUnless(n, "bias", v -> v.isNull() || "none".equals(v.asText()), "only \"none\" is supported");
    refuseUnless(n, "fan_in_fan_out", v -> v.isNull() || v.isBoolean() && !v.booleanValue(),
        "only false is supported (Conv1D-style weights are not)");
    refuseUnless(n, "use_dora", LoraConfig::off, "DoRA adapters are not supported");
    refuseUnless(n, "modules_to_save", LoraConfig::off, "adapters that save whole modules are not supported");
    for (String field : List.of("layers_to_transform", "layers_pattern", "rank_pattern", "alpha_pattern",
        "exclude_modules", "target_parameters", "trainable_token_indices", "layer_replication",
        "megatron_config", "alora_invocation_tokens", "runtime_config")) {
      refuseUnless(n, field, LoraConfig::off, "not supported: beear applies one rank and α to every target");
    }
    for (String field : List.of("lora_bias", "use_qalora")) {
      refuseUnless(n, field, LoraConfig::off, "not supported");
    }
    Iterator<Map.Entry<String, JsonNode>> fields = n.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      if (!KNOWN.contains(f.getKey()) && !off(f.getValue())) {
        throw new IllegalArgumentException(f.getKey() + " is set, and beear does not know what it changes; "
            + "remove it if it does not change the adapter's output");
      }
    }
    return new LoraConfig(r, alpha, rsLora, targets, allLinear, text(n, "base_model_name_or_path"),
        text(n, "revision"), n.deepCopy());
  }

  /** The config of a new adapter on {@code modules} (full module paths), as PEFT writes one. */
  public static LoraConfig create(int r, double alpha, List<String> modules, String baseModel) {
    ObjectNode n = JSON.createObjectNode();
    n.put("peft_type", "LORA");
    n.put("task_type", "CAUSAL_LM");
    if (baseModel == null) {
      n.putNull("base_model_name_or_path");
    } else {
      n.put("base_model_name_or_path", baseModel);
    }
    n.put("r", r);
    n.put("lora_alpha", alpha);
    n.put("use_rslora", false);
    modules.forEach(n.putArray("target_modules")::add);
    n.put("lora_dropout", 0.0);
    n.put("bias", "none");
    n.put("fan_in_fan_out", false);
    n.put("use_dora", false);
    n.putNull("modules_to_save");
    n.put("inference_mode", true);
    return parse(n.toString());
  }

  /** The file's text, as it came (a cleansed adapter keeps its config). */
  public String toJson() {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean targetModules(JsonNode node, List<String> out) {
    if (node == null || node.isNull()) {
      throw new IllegalArgumentException("target_modules is missing; give the module names (e.g. "
          + "[\"q_proj\", \"v_proj\"]) or \"all-linear\"");
    }
    if (node.isTextual()) {
      if (node.textValue().equals("all-linear")) {
        return true;
      }
      throw new IllegalArgumentException("target_modules is the pattern '" + node.textValue() + "'; beear reads a "
          + "list of module names or \"all-linear\"");
    }
    if (!node.isArray() || node.isEmpty()) {
      throw new IllegalArgumentException("target_modules must be a non-empty list of module names or "
          + "\"all-linear\"");
    }
    Set<String> seen = new LinkedHashSet<>();
    for (JsonNode t : node) {
      String name = t.isTextual() ? t.textValue() : null;
      String leaf = name == null ? null : name.substring(name.lastIndexOf('.') + 1);
      if (name == null || !PROJECTIONS.contains(leaf) || name.length() > 200) {
        throw new IllegalArgumentException("target_modules entry " + t + " is not one of a decoder layer's "
            + "projections " + PROJECTIONS + " (embed_tokens, lm_head and other modules are not supported)");
      }
      seen.add(name);
    }
    out.addAll(seen);
    return false;
  }

  private static void refuseUnless(ObjectNode n, String field, java.util.function.Predicate<JsonNode> fine,
      String why) {
    JsonNode v = n.get(field);
    if (v != null && !fine.test(v)) {
      throw new IllegalArgumentException(field + " is " + abbreviate(v) + ": " + why);
    }
  }

  /** Null, false, an empty string, list or object: what PEFT writes for a feature that is off. */
  private static boolean off(JsonNode v) {
    return v == null || v.isNull() || v.isBoolean() && !v.booleanValue() || v.isTextual() && v.textValue().isEmpty()
        || v.isContainerNode() && v.isEmpty();
  }

  private static boolean flag(ObjectNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(field + " must be true or false, got " + abbreviate(v));
    }
    return v.booleanValue();
  }

  private static String text(ObjectNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string, got " + abbreviate(v));
    }
    return v.textValue();
  }

  private static String abbreviate(JsonNode v) {
    String s = v.toString();
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }
}
