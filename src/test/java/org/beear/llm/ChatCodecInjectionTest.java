package org.beear.llm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.beear.llm.text.ChatTemplate;
import org.beear.llm.text.ChatTemplateTest;
import org.beear.llm.text.TextTokenizer;
import org.junit.jupiter.api.Test;

/** What a user, a defender data set or a trigger says reaches the model as text, never as template code. */
class ChatCodecInjectionTest {

  @Test
  void templateSyntaxInAPromptReachesTheModelVerbatim() {
    try (ChatCodec codec = new ChatCodec(TextTokenizer.load(ChatTemplateTest.resource("llama-bytefallback")),
        ChatTemplate.builtin("llama2"), List.of())) {
      String prompt = codec.tokenizer().decode(codec.prompt("What is {{ 7*6 }}?{% if true %} yes{% endif %}"), false);
      assertTrue(prompt.contains("What is {{ 7*6 }}?{% if true %} yes{% endif %}"), prompt);
      assertFalse(prompt.contains("42"), prompt);

      ChatCodec withSystem = codec.withSystemPrompt("{{ raise_exception('boom') }}");
      String system = withSystem.tokenizer().decode(withSystem.prompt("hi"), false);
      assertTrue(system.contains("{{ raise_exception('boom') }}"), system);

      SequenceBatch.Example exchange = codec.exchange("{{ 7*6 }}", "{{ 6*7 }}");
      String answer = codec.tokenizer().decode(exchange.response(), false);
      assertTrue(answer.contains("{{ 6*7 }}"), answer);
    }
  }
}
