package org.beear.llm.text;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.beear.fuzz.FuzzContract;
import org.beear.fuzz.FuzzFiles;
import org.beear.llm.text.jinja.TemplateLimits;

/**
 * Fuzzes chat template rendering, the template source and the messages: a template compiles and renders within
 * its limits, or a ChatTemplateException says why not; nothing else escapes, and nothing runs past the limits
 * (libFuzzer's -timeout catches a render that does). The input is NUL-separated text: for {@link
 * #templateSource}, the template then the messages; for {@link #messages}, a first byte that picks one of the
 * published templates, then the messages. A message part "role\u0001content" sets its role; others alternate
 * user/assistant. {@link #templateBudget} reads as {@link #templateSource} and also bounds each render's time and
 * allocated bytes.
 */
class ChatTemplateFuzzTest {

  /**
   * The default limits with fewer steps and a shorter timeout, so a looping input costs the fuzzer a fraction of
   * a second instead of the 5 s the service allows; output and string caps stay as in production.
   */
  static final TemplateLimits LIMITS = TemplateLimits.DEFAULT.withSteps(500_000, Duration.ofSeconds(2));
  /**
   * The limits {@link #templateBudget} renders under: production's, with an eighth of the characters (a string,
   * the output, all built), a tenth of the steps and a fifth of the time, so that a costly input is found fast.
   */
  static final TemplateLimits BUDGET = new TemplateLimits(TemplateLimits.DEFAULT.maxTemplateChars(), 1 << 20,
      1 << 20, 4L << 20, 500_000, TemplateLimits.DEFAULT.maxNesting(), TemplateLimits.DEFAULT.maxValueDepth(),
      Duration.ofSeconds(1));
  /**
   * Twice BUDGET's timeout, in CPU time of the rendering thread (which a loaded machine does not inflate, as it
   * does wall time): a render the clock did not stop in time is a finding.
   */
  static final Duration MAX_RENDER_TIME = Duration.ofSeconds(2);
  /**
   * What one render under BUDGET may allocate, garbage included, replayed by {@code mvn test}: its 4 Mi characters
   * built (up to 2 bytes each, plus the copies a growing string makes) and 500,000 steps' boxed numbers, argument
   * lists and iterators come to well under 100 MiB (measured: up to 65 MiB for 500,000 steps of loops that build
   * values); more is a cost the budget missed.
   */
  static final long MAX_RENDER_BYTES = 256L << 20;
  /**
   * The same while fuzzing ({@code bin/fuzz}), where Jazzer's hooks allocate on every String comparison they trace
   * for the fuzzer (measured: 282 MiB for a 100,000-turn loop that allocates 17 MiB without them). An
   * unaccounted copy of a multi-megabyte string per step still passes it within a fraction of a second.
   */
  static final long MAX_RENDER_BYTES_FUZZING = 1L << 30;

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-07-23T10:00:00Z"), ZoneOffset.UTC);
  private static final List<String> ROLES = List.of("user", "assistant");
  private static final List<String> PUBLISHED = List.of("gemma2", "gemma3", "llama3.1", "llama3.2", "mistral-nemo",
      "mistral-v0.1", "mistral-v0.3", "mixtral", "phi3-mini", "phi3.5", "qwen2.5", "qwen3");

  @FuzzTest(maxDuration = "30m", maxExecutions = 100_000)
  @DictionaryEntries({"{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", " for ", " in ", "endfor", " if ", "elif",
      "else", "endif", " set ", "macro", "endmacro", "call", "filter", "namespace(", "loop.index0", "messages",
      "message['role']", "message['content']", "range(", "raise_exception(", "strftime_now(", "|tojson", "|join",
      "|trim", "|length", "|list", "|map(", "|selectattr(", "|default(", ".strip()", ".split(", "**", "//", "~",
      " not ", " and ", " is defined", "bos_token", "eos_token", "add_generation_prompt", "10**9", "[1:]",
      "break", "continue"})
  void templateSource(byte[] data) throws Throwable {
    List<byte[]> parts = FuzzFiles.parts(data, 9);
    String source = new String(parts.get(0), StandardCharsets.UTF_8);
    List<ChatMessage> messages = messages(parts.subList(1, parts.size()));
    render(source, messages);
  }

  @FuzzTest(maxDuration = "30m", maxExecutions = 100_000)
  @DictionaryEntries({"system\u0001", "user\u0001", "assistant\u0001", "tool\u0001", "{{ 7*7 }}", "{%", "<s>",
      "[INST]", "<|im_start|>", "<|eot_id|>"})
  void messages(byte[] data) throws Throwable {
    if (data.length == 0) {
      return;
    }
    List<String> templates = publishedTemplates();
    String source = templates.get(Byte.toUnsignedInt(data[0]) % templates.size());
    byte[] rest = java.util.Arrays.copyOfRange(data, 1, data.length);
    render(source, messages(FuzzFiles.parts(rest, 8)));
  }

  /**
   * Templates under the budget: any template and messages, rendered under {@link #BUDGET}, must end within
   * {@link #MAX_RENDER_TIME} of CPU having allocated at most {@link #MAX_RENDER_BYTES} ({@link
   * #MAX_RENDER_BYTES_FUZZING} while fuzzing; the thread's CPU time and allocated bytes, as the JVM counts them),
   * besides returning or throwing a ChatTemplateException. The dictionary leans to what
   * costs: big repetitions, sorting and searching, repr and joins, deep and self-holding values.
   */
  @FuzzTest(maxDuration = "30m", maxExecutions = 100_000)
  @DictionaryEntries({"{{", "}}", "{%", "%}", " for ", " in ", "endfor", " if ", "endif", " set ", "namespace(",
      "ns.x", "range(", "range(100000)", " * 8000000", "'a' * 1000000", "[0] * 1000000", "|sort", "|unique", "|min",
      "|max", "|sum", "|string", "|list", "|join", "|tojson", "|map('string')", "|select", "|reject", "|reverse",
      "|replace('a', 'bb')", "|indent(", "|trim", "|upper", "|title", "|wordcount", "|length", "|first", "|last",
      "|unique(attribute=", "|sort(reverse=true)", " ~ ", " == ", " < ", " in ", " not in ", "[::-1]", "[1:]", "[-1]",
      ".split(", ".count(", ".find(", ".rfind(", ".strip(", ".replace(", ".join(", ".startswith(", ".items()",
      "{% set ns.x = [ns.x] %}", "{% set ns.me = ns %}", "(1,)", "{1: 2}", "messages", "loop.index", "**", "//"})
  void templateBudget(byte[] data) throws Throwable {
    List<byte[]> parts = FuzzFiles.parts(data, 9);
    String source = new String(parts.get(0), StandardCharsets.UTF_8);
    List<ChatMessage> messages = messages(parts.subList(1, parts.size()));
    Cost cost = renderUnderBudget(source, messages);
    if (cost.nanos() > MAX_RENDER_TIME.toNanos() || cost.bytes() > MAX_RENDER_BYTES) { // (the lower bound)
      // the first render down a new path loads (and instruments) classes on this thread: only a second costly
      // render of the same input, which the fixed clock makes the same render, is the template's cost
      cost = renderUnderBudget(source, messages);
    }
    if (cost.nanos() > MAX_RENDER_TIME.toNanos()) {
      throw new AssertionError("the render took " + cost.nanos() / 1_000_000 + " ms of CPU, more than "
          + MAX_RENDER_TIME);
    }
    long maxBytes = fuzzing() ? MAX_RENDER_BYTES_FUZZING : MAX_RENDER_BYTES;
    if (cost.bytes() > maxBytes) {
      throw new AssertionError("the render allocated " + (cost.bytes() >> 20) + " MiB, more than "
          + (maxBytes >> 20) + " MiB");
    }
  }

  /** Whether Jazzer fuzzes (bin/fuzz sets JAZZER_FUZZ), rather than replaying saved inputs in mvn test. */
  private static boolean fuzzing() {
    return "1".equals(System.getProperty("JAZZER_FUZZ")) || "1".equals(System.getenv("JAZZER_FUZZ"));
  }

  /** CPU time and allocated bytes of one render on this thread. */
  private record Cost(long nanos, long bytes) {}

  private static Cost renderUnderBudget(String source, List<ChatMessage> messages) throws Throwable {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long bytesBefore = threads.getCurrentThreadAllocatedBytes();
    long start = threads.getCurrentThreadCpuTime();
    FuzzContract.returnsOrThrows(() -> {
      String prompt = ChatTemplate.of(source, BUDGET, CLOCK).render(messages, true, "<s>", "</s>");
      assertTrue(prompt.length() <= BUDGET.maxOutputChars(), "output within the limit");
    }, ChatTemplateException.class);
    return new Cost(threads.getCurrentThreadCpuTime() - start, threads.getCurrentThreadAllocatedBytes() - bytesBefore);
  }

  private static void render(String source, List<ChatMessage> messages) throws Throwable {
    FuzzContract.returnsOrThrows(() -> {
      String prompt = ChatTemplate.of(source, LIMITS, CLOCK).render(messages, true, "<s>", "</s>");
      assertTrue(prompt.length() <= LIMITS.maxOutputChars(), "output within the limit");
    }, ChatTemplateException.class);
  }

  private static List<ChatMessage> messages(List<byte[]> parts) {
    List<ChatMessage> messages = new ArrayList<>();
    for (byte[] part : parts) {
      String text = new String(part, StandardCharsets.UTF_8);
      int split = text.indexOf('\u0001');
      messages.add(split >= 0
          ? new ChatMessage(text.substring(0, split), text.substring(split + 1))
          : new ChatMessage(ROLES.get(messages.size() % 2), text));
    }
    return messages;
  }

  private static volatile List<String> published;

  /** The builtin templates, then the published ones the tests ship (Gemma, Llama 3.x, Mistral, Phi, Qwen). */
  static List<String> publishedTemplates() throws IOException {
    if (published == null) {
      List<String> all = new ArrayList<>();
      ChatTemplate.builtinNames().forEach(name -> all.add(ChatTemplate.builtin(name).source()));
      for (String name : PUBLISHED) {
        try (InputStream in = ChatTemplateFuzzTest.class.getResourceAsStream("/chat-templates/" + name + ".jinja")) {
          all.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
      published = List.copyOf(all);
    }
    return published;
  }

  static List<byte[]> templateSourceSeeds() throws IOException {
    List<byte[]> seeds = new ArrayList<>();
    for (String template : publishedTemplates()) {
      seeds.add(FuzzFiles.join(template, "system\u0001Be brief.", "Hi {{ 7*7 }}", "Hello.", "Bye"));
    }
    seeds.add(FuzzFiles.join("{% for i in range(10**9) %}{{ i }}{% endfor %}"));
    seeds.add(FuzzFiles.join("{% macro m(x, y=2) %}{{ x ~ y }}{% endmacro %}{{ m(1) }}{% set ns = namespace(a=[]) %}"
        + "{{ messages|map(attribute='role')|join(',') }}{{ messages|tojson }}{{ strftime_now('%Y-%m-%d') }}",
        "a", "b"));
    return seeds;
  }

  /** The template seeds, and the costly constructs of issue 25 (each stopped by the budget now). */
  static List<byte[]> templateBudgetSeeds() throws IOException {
    List<byte[]> seeds = new ArrayList<>(templateSourceSeeds());
    for (String t : List.of(
        "{% if (range(150000)|unique|length) > 0 %}{% endif %}",
        "{% if (['a'*8000000]*8000000)|string|length > 0 %}{% endif %}",
        "{% set ns = namespace(a=1) %}{% set ns.me = ns %}{{ ns }}",
        "{% for i in range(100000) %}{% if ([3, 1, 2] * 2000000)|sort|length %}{% endif %}{% endfor %}",
        "{% set s = 'a' * 8000000 %}{% for i in range(100000) %}{% if s[-1] in s %}{{ s[::2]|length }}{% endif %}"
            + "{% endfor %}",
        "{% set ns = namespace(x=1) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}",
        "{{ messages|map(attribute='content')|join(', ') ~ messages|tojson ~ messages|string }}")) {
      seeds.add(FuzzFiles.join(t, "Hello.", "Hi!"));
    }
    return seeds;
  }

  static List<byte[]> messagesSeeds() throws IOException {
    List<byte[]> seeds = new ArrayList<>();
    for (int i = 0; i < publishedTemplates().size(); i++) {
      byte[] rest = FuzzFiles.join("system\u0001Be brief.", "Hi {{ 7*7 }}", "Hello.", "Bye");
      byte[] seed = new byte[rest.length + 1];
      seed[0] = (byte) i;
      System.arraycopy(rest, 0, seed, 1, rest.length);
      seeds.add(seed);
    }
    return seeds;
  }
}
