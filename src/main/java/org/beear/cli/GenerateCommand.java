package org.beear.cli;

import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.beear.files.JsonDocuments;
import org.beear.llm.ChatCodec;
import org.beear.llm.Generator;
import org.beear.llm.CheckedModel;
import org.beear.llm.LlamaModel;
import org.beear.llm.ModelDirectory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Generates a continuation with a Hugging Face model directory (greedy unless --temperature).")
final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--model", required = true) Path model;

  @picocli.CommandLine.Mixin BaseFlag base;

  @ArgGroup(exclusive = true, multiplicity = "1") Input input;

  static final class Input {
    @Option(names = "--prompt", description = "text prompt") String prompt;

    @Option(names = "--ids", split = ",", description = "prompt token ids, comma-separated") long[] ids;
  }

  @Option(names = "--chat", description = "wrap --prompt as a user turn with the model's chat template")
  boolean chat;

  @Option(names = "--template", description = "built-in chat template for models without one: llama2, llama3, mistral, chatml")
  String template;

  @Option(names = "--max-new-tokens", defaultValue = "64") int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0") double temperature;

  @Option(names = "--top-p", defaultValue = "1") double topP;

  @Option(names = "--seed", defaultValue = "0") long seed;

  @Option(names = "--dtype", defaultValue = "float32") String dtype;

  @Option(names = "--device", defaultValue = "auto", description = "auto (CUDA when visible), cpu or cuda; cuda "
      + "that is not visible is an error") String device;

  @Option(names = "--json", description = "print {prompt_ids, output_ids, text}") boolean json;

  @Override
  public Integer call() throws Exception {
    DataType type = ModelDirectory.computeType(dtype);
    Path baseDir = base.dir();
    try (LlamaModel m = CheckedModel.weights(model, baseDir, org.beear.llm.DeviceKind.choose(device).device(), type);
        ChatCodec codec = ChatCodec.load(CheckedModel.modelFilesDir(model, baseDir), m.config(),
            chat ? template : "chatml")) {
      long[] promptIds;
      if (input.ids != null) {
        promptIds = input.ids;
        for (long id : promptIds) {
          if (id < 0 || id >= m.config().vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (m.config().vocabSize() - 1));
          }
        }
      } else if (chat) {
        promptIds = codec.prompt(input.prompt);
      } else {
        promptIds = codec.tokenizer().encode(input.prompt, true);
      }
      Set<Long> stops = codec.stopIds();
      List<long[]> out = Generator.generate(m, List.of(promptIds),
          new Generator.Settings(maxNewTokens, temperature, topP, seed, stops));
      long[] newIds = out.get(0);
      String text = codec.tokenizer().decode(newIds, true);
      if (json) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("prompt_ids", promptIds);
        answer.put("output_ids", newIds);
        answer.put("text", text);
        System.out.println(JsonDocuments.line(answer));
      } else {
        System.out.println(text);
      }
    }
    return 0;
  }
}
