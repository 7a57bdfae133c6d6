package org.beear.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.beear.fuzz.FuzzContract;
import org.beear.fuzz.FuzzFiles;

/**
 * Fuzzes config.json as ModelDirectory.load reads it: ModelConfig.load, then the tensor shapes the config
 * implies. A config is refused with an IllegalArgumentException, or it describes a decoder (positive, finite
 * epsilon and RoPE base, a positive context) whose shapes can be listed and which writes back (toJson) to the same
 * config.
 */
class ModelConfigFuzzTest {

  @FuzzTest(maxDuration = "30m", maxExecutions = 100_000)
  @DictionaryEntries({"\"architectures\"", "\"LlamaForCausalLM\"", "\"MistralForCausalLM\"", "\"Qwen2ForCausalLM\"",
      "\"hidden_size\"", "\"num_attention_heads\"", "\"num_key_value_heads\"", "\"head_dim\"", "\"vocab_size\"",
      "\"intermediate_size\"", "\"num_hidden_layers\"", "\"rope_scaling\"", "\"rope_type\"", "\"llama3\"",
      "\"eos_token_id\"", "\"bos_token_id\"", "\"max_position_embeddings\"", "\"rms_norm_eps\"", "\"rope_theta\"",
      "\"NaN\"", "2147483647", "-1", "1e309"})
  void configJson(byte[] data) throws Throwable {
    Path dir = FuzzFiles.emptyDir("config");
    Files.write(dir.resolve("config.json"), data);
    FuzzContract.returnsOrThrows(() -> {
      ModelConfig config = ModelConfig.load(dir);
      assertTrue(config.numHeads() % config.numKeyValueHeads() == 0 && config.headDim() % 2 == 0, config::toString);
      assertTrue(config.rmsNormEps() > 0 && Double.isFinite(config.rmsNormEps()) && config.ropeTheta() > 0
          && Double.isFinite(config.ropeTheta()) && config.maxPositionEmbeddings() > 0, config::toString);
      assertTrue(LlamaModel.expectedShapes(config).size() >= 3, config::toString);
      assertEquals(config, ModelConfig.parse(config.toJson()), "toJson reads back as the same config");
    }, IllegalArgumentException.class);
  }

  /** The published configs the tests ship (Llama 2/3, Mistral, Qwen2.5). */
  static List<byte[]> configJsonSeeds() throws IOException {
    List<byte[]> seeds = new ArrayList<>();
    for (String model : List.of("llama-2-7b", "llama-3-8b", "mistral-7b-instruct-v0.2", "qwen2.5-7b")) {
      try (InputStream in = ModelConfigFuzzTest.class.getResourceAsStream("/configs/" + model + "/config.json")) {
        seeds.add(in.readAllBytes());
      }
    }
    return seeds;
  }
}
