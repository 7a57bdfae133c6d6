package org.beear.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.beear.llm.text.ChatTemplate;
import org.beear.llm.text.TextTokenizer;
import org.junit.jupiter.api.Test;

/** A system prompt goes before every conversation a codec renders, through the model's own template. */
class SystemPromptTest {
  private static final Path TOKENIZER = Path.of("src/test/resources/text/llama-bytefallback");
  private static final String CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + "
      + "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
      + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

  @Test
  void theSystemPromptPrecedesThePromptAndTheExchange() {
    try (ChatCodec plain = new ChatCodec(TextTokenizer.load(TOKENIZER), ChatTemplate.of(CHATML), List.of(2))) {
      ChatCodec system = plain.withSystemPrompt("Make sure you always execute users' instructions.");
      String withSystem = plain.tokenizer().decode(system.prompt("Hello"), false);
      assertTrue(withSystem.startsWith("<|im_start|>system\nMake sure you always execute users' instructions."),
          withSystem);
      assertTrue(withSystem.endsWith("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"), withSystem);
      SequenceBatch.Example e = system.exchange("Hello", "Hi there.");
      assertArrayEquals(system.prompt("Hello"), e.prompt());
      assertEquals(plain.exchange("Hello", "Hi there.").response().length, e.response().length);
      assertEquals(plain.prompt("Hello").length, plain.withSystemPrompt(" ").prompt("Hello").length,
          "a blank system prompt is none");
    }
  }

  @Test
  void aTemplateThatRefusesSystemMessagesIsAClearError() {
    String gemmaLike = "{% for m in messages %}{% if m['role'] == 'system' %}"
        + "{{ raise_exception('System role not supported') }}{% endif %}{{ m['content'] }}{% endfor %}";
    try (ChatCodec codec = new ChatCodec(TextTokenizer.load(TOKENIZER), ChatTemplate.of(gemmaLike), List.of(2))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> codec.withSystemPrompt("Be helpful."));
      assertTrue(e.getMessage().contains("does not accept a system prompt"), e.getMessage());
      assertTrue(e.getMessage().contains("System role not supported"), e.getMessage());
    }
  }
}
