package org.beear.llm.text.jinja;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a hostile chat template may cost (issue 25): every element a filter, test, comparison, slice or {@code in}
 * touches is a step, the clock and the caller's cancellation are read at every step, the characters built are
 * counted over the whole render before each string is built, and walks into values are bounded and stop at
 * cycles. Each template here held a worker (minutes to hours), ran it out of memory or overflowed its stack
 * before; now each ends within a fraction of a second with a one-line LIMIT error, or renders as Jinja2 does.
 */
class TemplateBudgetTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-07-23T10:00:00Z"), ZoneOffset.UTC);
  private static final Map<String, Object> CONTEXT = Map.of("messages", List.of(Map.of("role", "user",
      "content", "hi")));
  /** The production limits with the clock out of the way: what stops these is the budget, not the deadline. */
  private static final TemplateLimits NO_DEADLINE = TemplateLimits.DEFAULT.withSteps(
      TemplateLimits.DEFAULT.maxSteps(), Duration.ofMinutes(10));
  /** A bound that only catches a hang. */
  private static final Duration HANG = Duration.ofSeconds(30);

  private static String render(String template, TemplateLimits limits) {
    return JinjaTemplate.compile(template, limits, CLOCK).render(CONTEXT);
  }

  private static JinjaException limit(String template, TemplateLimits limits) {
    JinjaException e = assertTimeoutPreemptively(HANG,
        () -> assertThrows(JinjaException.class, () -> render(template, limits)));
    assertEquals(JinjaException.Kind.LIMIT, e.kind(), e.getMessage());
    assertThat(e.getMessage()).doesNotContain("\n").hasSizeLessThan(200);
    return e;
  }

  @Test
  void theIssuesReprosEndWithinTheLimits() {
    // held a scan job for 20 minutes (unique was quadratic); hashed, 150,000 items are cheap and render
    assertEquals("", assertTimeoutPreemptively(HANG,
        () -> render("{% if (range(150000)|unique|length) > 0 %}{% endif %}", TemplateLimits.DEFAULT)));
    limit("{% if (range(1500000)|unique|length) > 0 %}{% endif %}", NO_DEADLINE);
    // ran the job out of memory three times: the repr is checked piece by piece before it grows
    assertThat(limit("{% if (['a'*8000000]*8000000)|string|length > 0 %}{% endif %}", TemplateLimits.DEFAULT)
        .getMessage()).contains("characters");
    // overflowed the stack three times: the cycle prints as Jinja2 prints it
    assertEquals("<Namespace {'a': 1, 'me': <Namespace {...}>}>", assertTimeoutPreemptively(HANG,
        () -> render("{% set ns = namespace(a=1) %}{% set ns.me = ns %}{{ ns }}", TemplateLimits.DEFAULT)));
  }

  /** On the old engine each of these ran for minutes or hours (or ran out of memory) before the clock stopped it. */
  @ParameterizedTest
  @ValueSource(strings = {
      "{% for i in range(100000) %}{% if ([3, 1, 2] * 2000000)|sort|length %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if ([3, 1, 2] * 2000000)|min %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if ([3, 1, 2] * 2000000)|max %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if ([3, 1, 2] * 300000)|unique|list %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if (range(100000)|list * 3)|unique|list %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if -1 in [0] * 8000000 %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if [0] * 8000000 == [0] * 8000000 %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if ([0] * 8000000)[1:]|length %}{% endif %}{% endfor %}",
      "{% set s = 'ab' * 4000000 %}{% for i in range(100000) %}{% if s[::2] %}{% endif %}{% endfor %}",
      "{% set s = 'a' * 8000000 %}{% for i in range(100000) %}{% if s[-1] ~ s[-2] ~ s[3] %}{% endif %}{% endfor %}",
      "{% set s = 'a' * 8000000 %}{% for i in range(100000) %}{% if s < s ~ 'b' %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if ('a' * 4000000 ~ 'b') in 'a' * 8000000 %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if ('a' * 8000000).count('a' * 20 ~ 'b') %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if (['a'] * 8000000)|join %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if ([0] * 8000000)|select|list %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if ([0] * 8000000)|map('abs')|list %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if ([0] * 8000000)|reject|list %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if ([0] * 8000000)|sum %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if [0] * 8000000 %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if 'a' * 8000000 %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if (['a' * 1000] * 8000)|tojson %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if ('a' * 8000000)|trim|upper %}{% endif %}{% endfor %}",
      "{% for i in range(100000) %}{% if ('a' * 8000000).split('a')|length %}{% endif %}{% endfor %}",
      "{{ (['a' * 8000000] * 8000000) ~ '' }}",
      "{{ [[['a' * 8000000] * 8000000] * 8000000] }}",
      "{{ ('a' * 8000000).strip('b' * 8000000 ~ 'a') }}",
      "{{ [] * 3000000000 ~ 'x' * 9000000 }}",
  })
  void everyElementAnOperationTouchesIsCharged(String template) {
    JinjaException e = limit(template, NO_DEADLINE);
    assertThat(e.getMessage()).as("stopped by the budget, not the clock").doesNotContain("took longer than");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{% set ns = namespace(x=1) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}",
      "{% set ns = namespace(x=1) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x|tojson }}",
      "{% set ns = namespace(x=1, y=1) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% set ns.y = [ns.y] %}"
          + "{% endfor %}{{ ns.x == ns.y }}",
      "{% set ns = namespace(t=1) %}{% for i in range(100000) %}{% set ns.t = (ns.t,) %}{% endfor %}{{ {ns.t: 1} }}",
      "{% set ns = namespace(t=1) %}{% for i in range(100000) %}{% set ns.t = (ns.t,) %}{% endfor %}"
          + "{{ [ns.t]|unique|list }}",
  })
  void deeplyNestedValuesAreRefusedBeforeTheStackOverflows(String template) {
    assertThat(limit(template, TemplateLimits.DEFAULT).getMessage()).contains("nested more than");
  }

  @ParameterizedTest
  @ValueSource(strings = {"|abs", "+1", ".a", "[0]", " ~ 1", " or 1", "()"})
  void longChainsNestAndAreRefusedWhenLoaded(String link) {
    String template = "{{ x" + link.repeat(20_000) + " }}";
    JinjaException e = assertThrows(JinjaException.class,
        () -> JinjaTemplate.compile(template, TemplateLimits.DEFAULT, CLOCK));
    assertEquals(JinjaException.Kind.LIMIT, e.kind());
    // a chain as long as published templates write renders as before
    assertThat(render("{{ 1" + "+1".repeat(50) + " }}", TemplateLimits.DEFAULT)).isEqualTo("51");
  }

  /**
   * Type errors a template makes are Jinja2's TypeErrors (RUNTIME), as in Python: before, each of these escaped the
   * sandbox as a Java exception (ClassCastException, IndexOutOfBoundsException, ArithmeticException,
   * IllegalArgumentException), and {@code 'a' * ''} as a StackOverflowError (found by the templateBudget fuzzer).
   */
  @ParameterizedTest
  @ValueSource(strings = {"{{ 'a' * '' }}", "{{ [1] * 1.5 }}", "{{ range('a') }}", "{{ 'a' is odd }}",
      "{{ 'a'|abs }}", "{{ 'x'|replace }}", "{{ ' x '|trim(5) }}", "{{ 'a'|round }}", "{{ 1|attr }}",
      "{{ [1, 2]|map }}", "{{ ''.split('a', 'b') }}", "{{ [1]|selectattr }}", "{{ 'x'|tojson(indent=[]) }}",
      "{{ 'a' is divisibleby 0 }}", "{{ 5 is divisibleby 0 }}", "{{ 'x' is sameas }}", "{{ 1 is eq }}"})
  void typeErrorsAreTemplateErrors(String template) {
    JinjaException e = assertThrows(JinjaException.class, () -> render(template, TemplateLimits.DEFAULT));
    assertEquals(JinjaException.Kind.RUNTIME, e.kind(), e.getMessage());
  }

  @Test
  void aNamespaceThatHoldsItselfComparesAndHashesByIdentity() {
    assertEquals("False True", render("{% set a = namespace() %}{% set b = namespace() %}{% set a.x = a %}"
        + "{% set b.x = b %}{{ a == b }} {{ a == a }}", TemplateLimits.DEFAULT));
    assertEquals("[<Namespace {'l': [<Namespace {...}>]}>]", render("{% set ns = namespace() %}{% set ns.l = [ns] %}"
        + "{{ [ns, ns]|unique|list }}", TemplateLimits.DEFAULT));
  }

  @Test
  void theClockIsReadAtEveryStep() {
    TemplateLimits quick = new TemplateLimits(1024, 1 << 20, 1 << 24, Long.MAX_VALUE, Long.MAX_VALUE, 50, 50,
        Duration.ofMillis(300));
    // one sort of six million items is one expression, and took seconds between two readings of the clock
    JinjaException e = limit("{% for i in range(100000) %}{% if ([3, 1, 2] * 2000000)|sort %}{% endif %}{% endfor %}",
        quick);
    assertThat(e.getMessage()).contains("longer than 300 ms");
  }

  @Test
  void aCancelStopsARenderWithinASecond() throws Exception {
    TemplateLimits unlimited = new TemplateLimits(1024, 1 << 20, 1 << 24, Long.MAX_VALUE, Long.MAX_VALUE, 50, 50,
        Duration.ofMinutes(10));
    for (String template : List.of(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% for i in range(100000) %}{% if ([3, 1, 2] * 2000000)|sort %}{% endif %}{% endfor %}")) {
      JinjaTemplate slow = JinjaTemplate.compile(template, unlimited, CLOCK);
      AtomicBoolean cancelled = new AtomicBoolean();
      AtomicLong cancelledAt = new AtomicLong();
      Thread canceller = new Thread(() -> {
        try {
          Thread.sleep(300);
        } catch (InterruptedException e) {
          return;
        }
        cancelledAt.set(System.nanoTime());
        cancelled.set(true);
      });
      canceller.start();
      IllegalStateException e = assertTimeoutPreemptively(HANG, () -> assertThrows(IllegalStateException.class,
          () -> slow.render(CONTEXT, () -> {
            if (cancelled.get()) {
              throw new IllegalStateException("the job was cancelled");
            }
          })));
      double seconds = (System.nanoTime() - cancelledAt.get()) / 1e9;
      canceller.join();
      assertEquals("the job was cancelled", e.getMessage(), "the caller's own exception, unchanged");
      assertThat(seconds).as("seconds from the cancel to the end of the render").isLessThan(1.0);
    }
  }
}
