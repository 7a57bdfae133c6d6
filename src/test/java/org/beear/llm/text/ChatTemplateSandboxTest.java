package org.beear.llm.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.beear.llm.text.jinja.TemplateLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A chat template comes from the model file, which is untrusted: it may not reach Java objects, files or
 * the network, and what it costs to render is bounded. Message text is data: it is never run as template
 * code, whatever it contains.
 */
class ChatTemplateSandboxTest {

  private static final List<ChatMessage> HELLO = List.of(ChatMessage.user("hello"));

  private static String render(String template, List<ChatMessage> messages) {
    return ChatTemplate.of(template).render(messages, true, "<s>", "</s>");
  }

  @Test
  void messageTextThatLooksLikeTemplateCodeReachesThePromptVerbatim() {
    String text = "{{ 7*6 }} {% for x in [1,2] %}{{ x }}{% endfor %} {# note #} {{ raise_exception('x') }}";
    assertEquals("<|im_start|>user\n" + text + "<|im_end|>\n<|im_start|>assistant\n",
        ChatTemplate.builtin("chatml").render(List.of(ChatMessage.user(text)), true, "", ""));
    // BOS/EOS come from the tokenizer files, also untrusted: data as well
    assertEquals("{{ 7*6 }}hello", ChatTemplate.of("{{ bos_token }}{{ messages[0].content }}")
        .render(HELLO, false, "{{ 7*6 }}", ""));
  }

  /**
   * The payloads of the Jinjava advisories (CVE-2025-59340: the interpreter object's config and its
   * ObjectMapper; CVE-2026-25526: the same reached through a for loop) and of classic template injection.
   * None reaches anything: the names are undefined and Java methods do not exist here.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "{{ ____int3rpr3t3r____.config.objectMapper.enableDefaultTyping() }}",
      "{% for p in ____int3rpr3t3r____.config %}{{ p }}{% endfor %}{% for p in ____int3rpr3t3r____.config.objectMapper %}{{ p }}{% endfor %}",
      "{{ ____int3rpr3t3r____.getContext().getCurrentPathStack() }}",
      "{{ messages.getClass().forName('java.lang.Runtime').getRuntime().exec('id') }}",
      "{{ ''.getClass().getClassLoader() }}",
      "{% for f in messages[0].getClass().getDeclaredFields() %}{{ f }}{% endfor %}",
      "{{ ''.__class__.__mro__[1].__subclasses__() }}",
      "{{ namespace.__init__.__globals__ }}",
      "{{ raise_exception.__globals__['os'].popen('id').read() }}",
      "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
  })
  void advisoryAndInjectionPayloadsReachNothing(String payload) {
    String rendered;
    try {
      rendered = render(payload, HELLO);
    } catch (ChatTemplateException refused) {
      return;
    }
    assertFalse(rendered.contains("java") || rendered.contains("class") || rendered.contains("uid="), rendered);
    assertTrue(rendered.isBlank(), "payload rendered something: " + rendered);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{% include '/etc/passwd' %}",
      "{% import 'application.properties' as p %}",
      "{% extends 'file:///etc/passwd' %}",
      "{% from 'x' import y %}",
      "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
      "{% raw %}{{ x }}{% endraw %}",
  })
  void tagsThatReachOutsideTheTemplateOrRecurseAreRefusedWhenLoaded(String template) {
    ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.of(template));
    assertTrue(e.getMessage().startsWith("unusable chat template"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
      "{{ 'x' * 1000000000 }}",
      "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
      "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = [ns.s, ns.s]|join %}{% endfor %}",
      "{{ (range(10000000)|list) * 100000 }}",
      "{% for i in range(1000000) %}{{ messages[0].content * 100 }}{% endfor %}",
      "{{ ('x' * 4000000)|replace('', 'yy') }}",
  })
  void resourceBombsStopWithAClearErrorWithinTheLimits(String template) {
    ChatTemplateException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
        () -> assertThrows(ChatTemplateException.class, () -> render(template, HELLO)));
    assertTrue(e.getMessage().contains("failed to render"), e.getMessage());
  }

  @Test
  void aRenderThatRunsPastItsTimeIsStopped() {
    TemplateLimits quick =
        new TemplateLimits(1024, 1 << 20, 1 << 20, 1L << 30, Long.MAX_VALUE, 50, 50, Duration.ofMillis(200));
    ChatTemplate slow = ChatTemplate.of(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", quick, Clock.systemUTC());
    ChatTemplateException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
        () -> assertThrows(ChatTemplateException.class, () -> slow.render(HELLO, false, "", "")));
    assertTrue(e.getMessage().contains("longer than"), e.getMessage());
  }

  @Test
  void oversizedOrDeeplyNestedTemplatesAreRefusedWhenLoaded() {
    String huge = "x".repeat(TemplateLimits.DEFAULT.maxTemplateChars() + 1);
    ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.of(huge));
    assertTrue(e.getMessage().contains("more than the"), e.getMessage());
    String nested = "{{ " + "(".repeat(100_000) + "1" + ")".repeat(100_000) + " }}";
    assertThrows(ChatTemplateException.class, () -> ChatTemplate.of(nested));
    String ifs = "{% if true %}".repeat(10_000) + "{% endif %}".repeat(10_000);
    assertThrows(ChatTemplateException.class, () -> ChatTemplate.of(ifs));
  }

  @ParameterizedTest
  @ValueSource(strings = {"a{{", "{{ ", "{{ '", "{% if ", "{#", "{{ {{ {{ ", "{{ x }", "{{ [ "})
  void unterminatedTagsFailFastAtAnyLength(String opener) {
    // the old source adapter's regex took quadratic time on an unterminated {{
    String template = opener + " x ".repeat(60_000) + "{{ a".repeat(5_000);
    assertTimeoutPreemptively(Duration.ofSeconds(5),
        () -> assertThrows(ChatTemplateException.class, () -> ChatTemplate.of(template)));
  }

  @Test
  void strftimeNowReadsTheClockAsPythonFormatsIt() {
    Clock fixed = Clock.fixed(Instant.parse("2024-07-26T09:05:03Z"), ZoneOffset.UTC);
    ChatTemplate dated = ChatTemplate.of("{{ strftime_now('%d %b %Y|%A %B %H:%M:%S %j %%') }}", TemplateLimits.DEFAULT,
        fixed);
    assertEquals("26 Jul 2024|Friday July 09:05:03 208 %", dated.render(HELLO, false, "", ""));
  }
}
