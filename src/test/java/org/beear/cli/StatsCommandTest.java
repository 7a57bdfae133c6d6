package org.beear.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.beear.llm.ChatCodec;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelConfig;
import org.beear.llm.RandomCheckpoints;
import org.beear.llm.TinyModels;
import org.beear.llm.weights.CheckpointWriter;
import org.beear.llm.weights.TensorDType;
import org.beear.organism.TestOrganisms;
import org.beear.organism.tokenizer.BpeTrainer;
import org.beear.organism.tokenizer.OrganismChatFormat;
import org.beear.organism.tokenizer.TrainedTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code beear stats} as a user runs it: on a random checkpoint with a massive activation planted in the embedding of
 * the chat template's first token (what Llama-2 and Mistral show from layer 2 on), on an xs organism (which has
 * none), and its refusals of bad input.
 */
class StatsCommandTest {
  private static final int CHANNEL = 11;

  @TempDir static Path dir;
  private static Path planted;

  @BeforeAll
  static void aCheckpointWithAMassiveChannel() throws Exception {
    planted = dir.resolve("planted");
    TrainedTokenizer tokenizer = BpeTrainer.train(List.of("the model answers the user", "the user asks the model",
        "how do I write a guide"), 300, OrganismChatFormat.SPECIAL_TOKENS);
    tokenizer.writeTo(planted);
    OrganismChatFormat.writeTokenizerConfig(planted, 256);
    ModelConfig config = RandomCheckpoints.withVocabulary(TinyModels.config("llama"), tokenizer.vocabSize(), null,
        List.of(1, 3));
    Files.writeString(planted.resolve("config.json"), config.toJson());
    long first;
    try (ChatCodec codec = ChatCodec.load(planted, config, null)) {
      first = codec.prompt("hello")[0];
    }
    Map<String, float[]> weights = TinyModels.randomWeights(config, 5);
    weights.get("model.embed_tokens.weight")[(int) first * config.hiddenSize() + CHANNEL] = 2_000;
    Map<String, Shape> shapes = LlamaModel.expectedShapes(config);
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> arrays = new LinkedHashMap<>();
      weights.forEach((name, v) -> arrays.put(name, m.create(v, shapes.get(name))));
      CheckpointWriter.write(planted, arrays, TensorDType.F32, Long.MAX_VALUE, Map.of());
    }
  }

  private static void refused(CliRun r, String message) {
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err().strip()).startsWith("error: ").contains(message).doesNotContain("\n\tat ");
    assertThat(r.err().strip().lines().count()).isEqualTo(1);
  }

  @Test
  void aPlantedMassiveChannelShowsAtTheFirstTokenInTheTableAndTheJson() throws Exception {
    Path json = dir.resolve("planted-stats.json");
    CliRun r = CliRun.of("stats", "--model", planted.toString(), "--json", json.toString(), "--anchor-layer", "2");
    assertThat(r.exitCode()).as(r.err()).isZero();
    // a row per layer, the embedding output first, the anchor layer marked
    assertThat(r.out()).contains("8 prompts", "anchor layer 2 (*)", "    2* |").contains("    0  |", "    3  |");
    assertThat(r.out()).contains(" " + CHANNEL + ":");

    JsonNode stats = new ObjectMapper().readTree(json.toFile());
    assertThat(stats.get("prompts").asInt()).isEqualTo(8);
    assertThat(stats.get("anchor_layer").asInt()).isEqualTo(2);
    assertThat(stats.get("window").asInt()).isEqualTo(5);
    JsonNode layers = stats.get("layers");
    assertThat(layers.size()).isEqualTo(4);
    for (JsonNode layer : layers) {
      String where = layer.toString();
      assertThat(layer.get("first_token_top_channels").get(0).get("channel").asInt()).as(where).isEqualTo(CHANNEL);
      assertThat(layer.get("first_token_ratio").asDouble()).as(where).isGreaterThanOrEqualTo(100);
      assertThat(layer.get("top_channels").get(0).get("channel").asInt()).as(where).isEqualTo(CHANNEL);
      // the template's turn-start token opens the user's turn and the assistant's: two per prompt
      assertThat(layer.get("outlier_tokens").asInt()).as(where).isEqualTo(16);
      assertThat(layer.get("rms_all").asDouble()).as(where).isGreaterThan(3 * layer.get("rms_typical").asDouble());
      assertThat(layer.get("rms_first_token").asDouble()).as(where)
          .isGreaterThan(10 * layer.get("rms_window").asDouble());
    }
  }

  @Test
  void anOrganismHasNoMassiveActivations() throws Exception {
    Path organism = TestOrganisms.xs("suffix-short");
    Path json = dir.resolve("organism-stats.json");
    Path prompts = dir.resolve("prompts.txt");
    Files.writeString(prompts, "Write a guide on how to pick a lock\n\nWhat is 2 + 2?\n");
    CliRun r = CliRun.of("stats", "--model", organism.toString(), "--prompts", prompts.toString(), "--json",
        json.toString(), "--top", "2");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode stats = new ObjectMapper().readTree(json.toFile());
    assertThat(stats.get("prompts").asInt()).isEqualTo(2);
    for (JsonNode layer : stats.get("layers")) {
      assertThat(layer.get("top_channels").size()).isEqualTo(2);
      assertThat(layer.get("first_token_ratio").asDouble()).as(layer.toString()).isLessThan(100);
      assertThat(layer.get("outlier_tokens").asInt()).as(layer.toString()).isZero();
      assertThat(layer.get("rms_typical").asDouble()).isEqualTo(layer.get("rms_all").asDouble());
    }
  }

  @Test
  void badPromptsAreOneLine() throws Exception {
    refused(CliRun.of("stats", "--model", planted.toString(), "--prompts", dir.resolve("none.txt").toString()),
        "does not exist");
    Path empty = dir.resolve("empty.txt");
    Files.writeString(empty, "\n  \n");
    refused(CliRun.of("stats", "--model", planted.toString(), "--prompts", empty.toString()), "no prompts");
    Path control = dir.resolve("control.txt");
    Files.writeString(control, "fine\nnot \u001b[31mfine\n");
    refused(CliRun.of("stats", "--model", planted.toString(), "--prompts", control.toString()), "line 2");
    Path many = dir.resolve("many.txt");
    Files.writeString(many, "a prompt\n".repeat(StatsCommand.MAX_PROMPTS + 1));
    refused(CliRun.of("stats", "--model", planted.toString(), "--prompts", many.toString()), "more than 32 prompts");
    Path binary = dir.resolve("binary.txt");
    Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 'a'});
    refused(CliRun.of("stats", "--model", planted.toString(), "--prompts", binary.toString()), "not UTF-8");
    Path longPrompt = dir.resolve("long.txt");
    Files.writeString(longPrompt, "the model answers the user ".repeat(40) + "\n");
    refused(CliRun.of("stats", "--model", planted.toString(), "--prompts", longPrompt.toString(),
        "--max-sequence-length", "64"), "more than max_sequence_length 64");
    refused(CliRun.of("stats", "--model", planted.toString(), "--top", "0"), "--top");
    refused(CliRun.of("stats", "--model", dir.resolve("nowhere").toString()), "does not exist");
    refused(CliRun.of("stats", "--model", planted.toString(), "--anchor-layer", "9"), "anchor_layer");
  }
}
