package org.beear.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small random checkpoints of each supported variant, with weights large enough that errors show. */
public final class TinyModels {
  private TinyModels() {}

  public static ModelConfig config(String variant) {
    String json = switch (variant) {
      case "llama" -> """
          {"architectures":["LlamaForCausalLM"],"vocab_size":61,"hidden_size":32,"intermediate_size":48,
           "num_hidden_layers":3,"num_attention_heads":4,"num_key_value_heads":4,"rms_norm_eps":1e-6,
           "rope_theta":10000.0,"tie_word_embeddings":false,"eos_token_id":2,"bos_token_id":1}""";
      case "gqa-tied" -> """
          {"architectures":["LlamaForCausalLM"],"vocab_size":61,"hidden_size":32,"intermediate_size":40,
           "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"rms_norm_eps":1e-5,
           "rope_theta":500000.0,"tie_word_embeddings":true,"eos_token_id":[2,3]}""";
      case "llama3-scaled" -> """
          {"architectures":["LlamaForCausalLM"],"vocab_size":61,"hidden_size":64,"intermediate_size":64,
           "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":1,"rms_norm_eps":1e-5,
           "rope_theta":500000.0,"rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,
           "high_freq_factor":4.0,"original_max_position_embeddings":8},"eos_token_id":2}""";
      case "mistral" -> """
          {"architectures":["MistralForCausalLM"],"vocab_size":61,"hidden_size":32,"intermediate_size":48,
           "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"head_dim":16,
           "rms_norm_eps":1e-5,"rope_theta":1000000.0,"eos_token_id":2}""";
      case "qwen2" -> """
          {"architectures":["Qwen2ForCausalLM"],"vocab_size":61,"hidden_size":32,"intermediate_size":48,
           "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"rms_norm_eps":1e-6,
           "rope_theta":1000000.0,"tie_word_embeddings":true,"eos_token_id":2}""";
      default -> throw new IllegalArgumentException(variant);
    };
    return ModelConfig.parse(json);
  }

  public static List<String> variants() {
    return List.of("llama", "gqa-tied", "llama3-scaled", "mistral", "qwen2");
  }

  /** Random weights as Java arrays (for the reference) keyed by transformers name. */
  public static Map<String, float[]> randomWeights(ModelConfig config, long seed) {
    Random r = new Random(seed);
    Map<String, float[]> w = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> e : LlamaModel.expectedShapes(config).entrySet()) {
      float[] v = new float[(int) e.getValue().size()];
      boolean norm = e.getKey().endsWith("norm.weight");
      double std = norm ? 0.1 : e.getKey().endsWith(".bias") ? 0.2 : 0.25;
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) ((norm ? 1 : 0) + r.nextGaussian() * std);
      }
      w.put(e.getKey(), v);
    }
    return w;
  }

  public static LlamaModel model(ModelConfig config, Map<String, float[]> weights, DataType type) {
    NDManager m = NDManager.newBaseManager();
    Map<String, NDArray> arrays = new LinkedHashMap<>();
    Map<String, Shape> shapes = LlamaModel.expectedShapes(config);
    weights.forEach((name, v) -> arrays.put(name,
        Ops.nativeCopy(m.create(v, shapes.get(name))).toType(type, false)));
    return LlamaModel.of(config, arrays, m);
  }
}
