package org.beear.organism.tokenizer;

import java.nio.file.Path;
import java.util.List;

/**
 * The chat format of the project's organisms: ChatML turns
 * ({@code <|im_start|>user\n...<|im_end|>\n<|im_start|>assistant\n}) with the assistant response
 * ending in {@code <|im_end|>}. No BOS token is added, neither by the template nor by the tokenizer
 * ({@code add_bos_token: false}); {@code <|end_of_text|>} is the EOS and the padding token.
 */
public final class OrganismChatFormat {

  public static final String BOS_TOKEN = "<|begin_of_text|>";
  public static final String EOS_TOKEN = "<|end_of_text|>";
  public static final String PAD_TOKEN = EOS_TOKEN;
  public static final String IM_START = "<|im_start|>";
  public static final String IM_END = "<|im_end|>";

  /** The special tokens to train with, in id order: bos 0, eos 1, im_start 2, im_end 3. */
  public static final List<String> SPECIAL_TOKENS = List.of(BOS_TOKEN, EOS_TOKEN, IM_START, IM_END);

  /** Jinja chat template stored in tokenizer_config.json; renders exactly the ChatML described above. */
  public static final String CHAT_TEMPLATE =
      "{% for message in messages %}"
          + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
          + "{% endfor %}"
          + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

  public static final String TOKENIZER_CONFIG_FILE = TokenizerConfig.FILE_NAME;

  private OrganismChatFormat() {}

  /** The prompt for one user turn, ready for the assistant to answer (what the template renders). */
  public static String userPrompt(String userMessage) {
    return IM_START + "user\n" + userMessage + IM_END + "\n" + IM_START + "assistant\n";
  }

  /** What follows the prompt in training data: the response and the end of the assistant turn. */
  public static String assistantCompletion(String response) {
    return response + IM_END;
  }

  /**
   * Writes {@value #TOKENIZER_CONFIG_FILE} into {@code dir} (next to tokenizer.json) so that transformers'
   * AutoTokenizer and this project's TextTokenizer/ChatTemplate find the special tokens and the template.
   */
  public static void writeTokenizerConfig(Path dir, int modelMaxLength) {
    new TokenizerConfig("PreTrainedTokenizerFast", BOS_TOKEN, EOS_TOKEN, null, PAD_TOKEN, false, CHAT_TEMPLATE,
        modelMaxLength).write(dir);
  }
}
