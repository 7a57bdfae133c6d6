package org.beear.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoder's shape, read from a Hugging Face {@code config.json}. Llama 2/3, Mistral and Qwen2 share one
 * architecture up to q/k/v biases (Qwen2), grouped-query attention and RoPE scaling (Llama 3.1).
 */
public record ModelConfig(
    String architecture,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKeyValueHeads,
    int headDim,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    boolean attentionBias,
    boolean tieWordEmbeddings,
    int maxPositionEmbeddings,
    Integer bosTokenId,
    List<Integer> eosTokenIds,
    String torchDtype) {

  public static final List<String> SUPPORTED =
      List.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM");

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Most decoder layers a config may declare. The largest published Llama-family models have 126; a config.json
   * comes with an untrusted model, and the loader lists every layer's tensors (LlamaModel.expectedShapes) before
   * it looks at the checkpoint, so 2^31 layers would exhaust the heap instead of failing on a missing tensor.
   */
  public static final int MAX_LAYERS = 1024;

  /** Llama 3.1's frequency-dependent RoPE scaling ({@code rope_type: llama3}). */
  public record RopeScaling(
      double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {}

  public ModelConfig {
    if (numHeads <= 0 || numKeyValueHeads <= 0 || numHeads % numKeyValueHeads != 0) {
      throw new IllegalArgumentException("num_attention_heads (" + numHeads
          + ") must be a positive multiple of num_key_value_heads (" + numKeyValueHeads + ")");
    }
    if (headDim <= 0 || headDim % 2 != 0) {
      throw new IllegalArgumentException("head_dim must be positive and even, got " + headDim);
    }
    // a NaN or infinite epsilon turns every activation into NaN; a non-positive one divides by zero
    requirePositiveFinite("rms_norm_eps", rmsNormEps);
    requirePositiveFinite("rope_theta", ropeTheta);
    if (maxPositionEmbeddings <= 0) {
      throw new IllegalArgumentException("max_position_embeddings must be positive, got " + maxPositionEmbeddings);
    }
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  private static void requirePositiveFinite(String field, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(field + " must be a positive finite number, got " + value);
    }
  }

  public int kvGroups() {
    return numHeads / numKeyValueHeads;
  }

  public static ModelConfig load(Path modelDir) {
    Path file = modelDir.resolve("config.json");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no config.json in " + modelDir);
    }
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  public static ModelConfig parse(String json) {
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("config.json is not valid JSON: " + e.getMessage());
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("config.json is not a JSON object");
    }
    String arch = n.path("architectures").path(0).asText(null);
    if (arch == null || !SUPPORTED.contains(arch)) {
      throw new IllegalArgumentException("unsupported architecture " + (arch == null ? "(none given)" : "'" + arch + "'")
          + "; supported: " + String.join(", ", SUPPORTED));
    }
    int hidden = requireInt(n, "hidden_size");
    int heads = requireInt(n, "num_attention_heads");
    int kvHeads = n.hasNonNull("num_key_value_heads") ? n.get("num_key_value_heads").asInt() : heads;
    int headDim = n.hasNonNull("head_dim") ? n.get("head_dim").asInt() : hidden / heads;
    boolean bias = arch.equals("Qwen2ForCausalLM") || n.path("attention_bias").asBoolean(false);
    List<Integer> eos = new ArrayList<>();
    JsonNode eosNode = n.get("eos_token_id");
    if (eosNode != null && eosNode.isArray()) {
      eosNode.forEach(e -> eos.add(e.asInt()));
    } else if (eosNode != null && eosNode.isNumber()) {
      eos.add(eosNode.asInt());
    }
    return new ModelConfig(
        arch,
        requireInt(n, "vocab_size"),
        hidden,
        requireInt(n, "intermediate_size"),
        requireInt(n, "num_hidden_layers", MAX_LAYERS),
        heads,
        kvHeads,
        headDim,
        n.path("rms_norm_eps").asDouble(1e-6),
        n.path("rope_theta").asDouble(10000.0),
        ropeScaling(n.get("rope_scaling")),
        bias,
        n.path("tie_word_embeddings").asBoolean(false),
        n.path("max_position_embeddings").asInt(4096),
        n.hasNonNull("bos_token_id") ? n.get("bos_token_id").asInt() : null,
        eos,
        n.path("torch_dtype").asText("float32"));
  }

  private static RopeScaling ropeScaling(JsonNode s) {
    if (s == null || s.isNull()) {
      return null;
    }
    String type = s.hasNonNull("rope_type") ? s.get("rope_type").asText() : s.path("type").asText("");
    if (type.equals("default")) {
      return null;
    }
    if (!type.equals("llama3")) {
      throw new IllegalArgumentException("unsupported rope_scaling type '" + type + "'; supported: llama3");
    }
    return new RopeScaling(
        s.path("factor").asDouble(8.0),
        s.path("low_freq_factor").asDouble(1.0),
        s.path("high_freq_factor").asDouble(4.0),
        s.path("original_max_position_embeddings").asInt(8192));
  }

  private static int requireInt(JsonNode n, String field) {
    return requireInt(n, field, Integer.MAX_VALUE);
  }

  private static int requireInt(JsonNode n, String field, int max) {
    JsonNode v = n.get(field);
    if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
      throw new IllegalArgumentException("config.json needs a positive integer '" + field + "'");
    }
    if (v.asInt() > max) {
      throw new IllegalArgumentException("config.json's '" + field + "' is " + v.asInt() + ", more than the " + max
          + " supported");
    }
    return v.asInt();
  }

  /** The config.json an HF loader expects for this shape. */
  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.putArray("architectures").add(architecture);
    n.put("model_type", switch (architecture) {
      case "MistralForCausalLM" -> "mistral";
      case "Qwen2ForCausalLM" -> "qwen2";
      default -> "llama";
    });
    n.put("vocab_size", vocabSize);
    n.put("hidden_size", hiddenSize);
    n.put("intermediate_size", intermediateSize);
    n.put("num_hidden_layers", numLayers);
    n.put("num_attention_heads", numHeads);
    n.put("num_key_value_heads", numKeyValueHeads);
    n.put("head_dim", headDim);
    n.put("hidden_act", "silu");
    n.put("rms_norm_eps", rmsNormEps);
    n.put("rope_theta", ropeTheta);
    if (ropeScaling != null) {
      ObjectNode s = n.putObject("rope_scaling");
      s.put("rope_type", "llama3");
      s.put("factor", ropeScaling.factor());
      s.put("low_freq_factor", ropeScaling.lowFreqFactor());
      s.put("high_freq_factor", ropeScaling.highFreqFactor());
      s.put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
    }
    if (!architecture.equals("Qwen2ForCausalLM")) {
      n.put("attention_bias", attentionBias);
    }
    n.put("tie_word_embeddings", tieWordEmbeddings);
    n.put("max_position_embeddings", maxPositionEmbeddings);
    if (bosTokenId != null) {
      n.put("bos_token_id", bosTokenId);
    }
    if (eosTokenIds.size() == 1) {
      n.put("eos_token_id", eosTokenIds.get(0));
    } else if (!eosTokenIds.isEmpty()) {
      ArrayNode a = n.putArray("eos_token_id");
      eosTokenIds.forEach(a::add);
    }
    n.put("torch_dtype", torchDtype);
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
