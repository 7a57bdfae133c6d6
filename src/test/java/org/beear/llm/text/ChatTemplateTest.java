package org.beear.llm.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Published chat templates (copied verbatim into test resources as tokenizer_config.json) rendered for
 * the same conversations; the expected strings are what transformers' apply_chat_template(tokenize=False)
 * produces (Jinja2 with trim_blocks/lstrip_blocks).
 */
public class ChatTemplateTest {

  private static final List<ChatMessage> WITH_SYSTEM =
      List.of(
          ChatMessage.system("Be brief."),
          ChatMessage.user(" Hi! "),
          ChatMessage.assistant("Hello."),
          ChatMessage.user("What is 2+2?"));
  private static final List<ChatMessage> WITHOUT_SYSTEM = WITH_SYSTEM.subList(1, 4);

  public static Path resource(String dir) {
    try {
      return Path.of(ChatTemplateTest.class.getResource("/text/" + dir).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String render(String dir, List<ChatMessage> messages, boolean generationPrompt, String bos, String eos) {
    return ChatTemplate.fromModelDir(resource(dir)).render(messages, generationPrompt, bos, eos);
  }

  @Test
  void llama2Chat() {
    assertEquals(
        "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi! [/INST] Hello. </s><s>[INST] What is 2+2? [/INST]",
        render("llama2-chat", WITH_SYSTEM, true, "<s>", "</s>"));
    assertEquals(
        "<s>[INST] Hi! [/INST] Hello. </s><s>[INST] What is 2+2? [/INST]",
        render("llama2-chat", WITHOUT_SYSTEM, false, "<s>", "</s>"));
    assertEquals("<s>[INST] Hi! [/INST]", render("llama2-chat", WITHOUT_SYSTEM.subList(0, 1), true, "<s>", "</s>"));
  }

  @Test
  void llama2RejectsConversationsOutOfRoleOrderWithTheTemplatesMessage() {
    List<ChatMessage> twoUsers = List.of(ChatMessage.user("a"), ChatMessage.user("b"));
    ChatTemplateException e =
        assertThrows(ChatTemplateException.class, () -> render("llama2-chat", twoUsers, true, "<s>", "</s>"));
    assertTrue(e.getMessage().contains("Conversation roles must alternate user/assistant/user/assistant/..."), e.getMessage());
    List<ChatMessage> assistantFirst = List.of(ChatMessage.assistant("a"));
    assertThrows(ChatTemplateException.class, () -> render("llama2-chat", assistantFirst, true, "<s>", "</s>"));
  }

  @Test
  void llama3Instruct() {
    String conversation =
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>";
    String generation = "<|start_header_id|>assistant<|end_header_id|>\n\n";
    assertEquals(conversation + generation, render("llama3-instruct", WITH_SYSTEM, true, "<|begin_of_text|>", "<|eot_id|>"));
    assertEquals(conversation, render("llama3-instruct", WITH_SYSTEM, false, "<|begin_of_text|>", "<|eot_id|>"));
    assertEquals(
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>" + generation,
        render("llama3-instruct", WITHOUT_SYSTEM.subList(0, 1), true, "<|begin_of_text|>", "<|eot_id|>"));
  }

  @Test
  void mistralInstructV02() {
    assertEquals(
        "<s> [INST] Be brief.\n\n Hi!  [/INST] Hello.</s> [INST] What is 2+2? [/INST]",
        render("mistral-instruct-v0.2", WITH_SYSTEM, true, "<s>", "</s>"));
    assertEquals(
        "<s> [INST]  Hi!  [/INST] Hello.</s> [INST] What is 2+2? [/INST]",
        render("mistral-instruct-v0.2", WITHOUT_SYSTEM, false, "<s>", "</s>"));
    ChatTemplateException e =
        assertThrows(
            ChatTemplateException.class,
            () -> render("mistral-instruct-v0.2", List.of(ChatMessage.user("x"), new ChatMessage("tool", "y")), true, "<s>", "</s>"));
    assertTrue(e.getMessage().contains("Only user and assistant roles are supported"), e.getMessage());
  }

  @Test
  void qwen2InstructAddsItsDefaultSystemPrompt() {
    String rest =
        "<|im_start|>user\n Hi! <|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n"
            + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n";
    assertEquals(
        "<|im_start|>system\nBe brief.<|im_end|>\n" + rest + "<|im_start|>assistant\n",
        render("qwen2-instruct", WITH_SYSTEM, true, "", "<|im_end|>"));
    assertEquals(
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" + rest,
        render("qwen2-instruct", WITHOUT_SYSTEM, false, "", "<|im_end|>"));
  }

  @Test
  void builtinTemplatesAreThePublishedOnes() {
    assertEquals(List.of("llama2", "llama3", "mistral", "chatml"), ChatTemplate.builtinNames());
    assertEquals(ChatTemplate.fromModelDir(resource("llama2-chat")).source(), ChatTemplate.builtin("llama2").source());
    assertEquals(ChatTemplate.fromModelDir(resource("llama3-instruct")).source(), ChatTemplate.builtin("llama3").source());
    assertEquals(
        ChatTemplate.fromModelDir(resource("mistral-instruct-v0.2")).source(), ChatTemplate.builtin("mistral").source());
    assertEquals(
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nYo<|im_end|>\n<|im_start|>assistant\n",
        ChatTemplate.builtin("chatml")
            .render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Yo")), true, "", ""));
    ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.builtin("vicuna"));
    assertTrue(e.getMessage().contains("chatml"), e.getMessage());
  }

  @Test
  void namedTemplateListTakesDefault() {
    assertEquals(
        "USER: hi\nASSISTANT: yo\n",
        render("named-templates", List.of(ChatMessage.user("hi"), ChatMessage.assistant("yo")), false, "<s>", "</s>"));
  }

  @Test
  void chatTemplateJinjaFileWinsAndLosesItsTrailingNewline() {
    assertEquals(
        "<user>hi<assistant>yo<assistant>",
        render("jinja-file", List.of(ChatMessage.user(" hi "), ChatMessage.assistant("yo")), true, "<s>", ""));
  }

  @Test
  void missingTemplateIsAClearError() {
    ChatTemplateException e =
        assertThrows(ChatTemplateException.class, () -> ChatTemplate.fromModelDir(resource("no-template")));
    assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
  }

  @Test
  void pythonIdiomsRenderAsInJinja2() {
    List<ChatMessage> m = List.of(ChatMessage.user(" MiXed "));
    assertEquals("yes", ChatTemplate.of("{% if not 'zz' in messages[0]['content'] %}yes{% endif %}").render(m, false, "", ""));
    assertEquals("no", ChatTemplate.of("{% if not 'X' in messages[0].content %}yes{% else %}no{% endif %}").render(m, false, "", ""));
    assertEquals(
        "MIXED|mixed|MiXed |yes",
        ChatTemplate.of(
                "{{ messages[0]['content'].strip().upper() }}|{{ messages[0]['content'].lower().strip() }}|"
                    + "{{ messages[0]['content'].lstrip() }}|{{ 'yes' if messages[0]['content'].startswith(' M') else 'no' }}")
            .render(m, false, "", ""));
    // literal template text is not rewritten
    assertEquals("say .upper() not x in y", ChatTemplate.of("say .upper() not x in y").render(m, false, "", ""));
  }

  @Test
  void anUnusableTemplateIsAClearError() {
    ChatTemplateException e =
        assertThrows(
            ChatTemplateException.class,
            () -> ChatTemplate.of("{{ messages[0]['content'].no_such_method() }}").render(List.of(ChatMessage.user("x")), false, "", ""));
    assertTrue(e.getMessage().contains("failed to render"), e.getMessage());
  }
}
