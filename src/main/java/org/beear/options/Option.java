package org.beear.options;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * One option, declared once: its wire name, value type, bounds, default (and how the default follows from the model
 * and the device), help text and group. Everything else is derived from this declaration: validation, resolution
 * against a model ({@link OptionSet#resolve}), the JSON of the wire record ({@link OptionValues}), the command-line
 * flag ({@link #flag()}), the OpenAPI schema and the README's options table.
 *
 * <p>Declare options with the factories ({@link #integer}, {@link #number}, ...) and the builder-style methods,
 * each of which returns a new, immutable declaration.
 *
 * @param <T> the Java type of a value: Integer, Long, Double, Boolean, String or List&lt;Integer&gt;
 */
public final class Option<T> {

  /** How a value is written on the wire and on the command line. */
  public enum Type {
    INTEGER(Integer.class), LONG(Long.class), NUMBER(Double.class), BOOLEAN(Boolean.class), TEXT(String.class),
    INTEGER_LIST(List.class);

    final Class<?> javaType;

    Type(Class<?> javaType) {
      this.javaType = javaType;
    }
  }

  /** A bound on one value, whatever the model: the problem's wording and the bound as documentation. */
  record Check<T>(Function<T, String> problem) {}

  /** A bound that needs the model: {@code value ≤ limit(model)}, worded "(the model's ...)". */
  record ModelBound(ToIntFunction<ModelFacts> limit, String what) {}

  private final String name;
  private final Type type;
  // set by the declaring methods on a fresh copy only: a published declaration never changes
  private String help = "";
  private String group = "";
  private List<Check<T>> checks = List.of();
  private ModelBound modelBound;
  private BiFunction<T, Resolution, T> resolver = (given, r) -> given;
  private String defaultText = "none";
  private String allowedText = "";
  private Schema schema = Schema.NONE;
  private String negatedFlag;
  private boolean request;
  private Option<Boolean> requiredFlag;
  private String requiredFor;

  /** What the OpenAPI schema states of a value besides its type; nulls are left out. */
  public record Schema(Number minimum, boolean exclusiveMinimum, Number maximum, List<String> choices,
      Integer maxLength, Integer maxItems) {
    static final Schema NONE = new Schema(null, false, null, null, null, null);
  }

  private Option(String name, Type type) {
    this.name = name;
    this.type = type;
  }

  private static <T> Option<T> of(String name, Type type) {
    if (!name.matches("[a-z][a-z0-9]*(_[a-z0-9]+)*")) {
      throw new IllegalArgumentException("option names are snake_case: " + name);
    }
    return new Option<>(name, type);
  }

  public static Option<Integer> integer(String name) {
    return of(name, Type.INTEGER);
  }

  public static Option<Long> longInteger(String name) {
    return of(name, Type.LONG);
  }

  public static Option<Double> number(String name) {
    return of(name, Type.NUMBER);
  }

  public static Option<Boolean> flag(String name) {
    return Option.<Boolean>of(name, Type.BOOLEAN).defaultValue(false);
  }

  public static Option<String> text(String name) {
    return of(name, Type.TEXT);
  }

  public static Option<List<Integer>> integers(String name) {
    return of(name, Type.INTEGER_LIST);
  }

  /** A copy of this declaration with one more thing declared. */
  private Option<T> with(Consumer<Option<T>> change) {
    Option<T> c = new Option<>(name, type);
    c.help = help;
    c.group = group;
    c.checks = checks;
    c.modelBound = modelBound;
    c.resolver = resolver;
    c.defaultText = defaultText;
    c.allowedText = allowedText;
    c.schema = schema;
    c.negatedFlag = negatedFlag;
    c.request = request;
    c.requiredFlag = requiredFlag;
    c.requiredFor = requiredFor;
    change.accept(c);
    return c;
  }

  /** The help text: what the option does, in a sentence or two (the default and bound are added where shown). */
  public Option<T> help(String text) {
    return with(c -> c.help = text);
  }

  /** Which part of the job the option belongs to (entrapment, removal, memory, ...): the README's grouping. */
  public Option<T> group(String name) {
    return with(c -> c.group = name);
  }

  /** A fixed default. */
  public Option<T> defaultValue(T value) {
    return with(c -> {
      c.resolver = (given, r) -> given != null ? given : value;
      c.defaultText = shown(value);
    });
  }

  /** A default that follows from the model, the device or other options' resolved values; {@code text} says how. */
  public Option<T> defaultFrom(Function<Resolution, T> derive, String text) {
    return with(c -> {
      c.resolver = (given, r) -> given != null ? given : derive.apply(r);
      c.defaultText = text;
    });
  }

  /** No default: the setting is off (null) unless given; {@code text} says what that means. */
  public Option<T> noDefault(String text) {
    return with(c -> {
      c.resolver = (given, r) -> given;
      c.defaultText = text;
    });
  }

  /** The resolved value is not simply the given one or the default: e.g. the device, which the runner picks. */
  public Option<T> resolvedAs(BiFunction<T, Resolution, T> resolve, String text) {
    return with(c -> {
      c.resolver = resolve;
      c.defaultText = text;
    });
  }

  /** The command line sets this boolean option to false with {@code flag} instead of {@code --name}. */
  public Option<T> negatedFlag(String flag) {
    return with(c -> c.negatedFlag = flag);
  }

  /**
   * A request to the runner rather than a setting of the run (e.g. {@code fit}): validated and sent like the others,
   * but not part of the resolved settings.
   */
  public Option<T> requestOnly() {
    return with(c -> c.request = true);
  }

  /**
   * Tunes what {@code flag} turns on: refused when given without it (it would go unused: "set {@code flag} to
   * {@code purpose}"), and resolved to nothing while the flag is off.
   */
  public Option<T> requires(Option<Boolean> flag, String purpose) {
    return with(c -> {
      c.requiredFlag = flag;
      c.requiredFor = purpose;
      c.allowedText = c.allowedText.isEmpty() ? "only with " + flag.name() : c.allowedText + "; only with "
          + flag.name();
    });
  }

  private Option<T> bounded(Check<T> check, String allowed, Schema schema) {
    return with(c -> {
      List<Check<T>> more = new ArrayList<>(checks);
      more.add(check);
      c.checks = List.copyOf(more);
      c.allowedText = allowedText.isEmpty() ? allowed : allowedText + ", " + allowed;
      c.schema = schema;
    });
  }

  /** Also {@code allowed} in the documentation: a rule that another declaration states (e.g. a cross-field rule). */
  public Option<T> alsoAllowed(String allowed) {
    return with(c -> c.allowedText = allowedText.isEmpty() ? allowed : allowedText + ", " + allowed);
  }

  /** An integer between {@code min} and {@code max}: "must be at least min" / "must be at most max". */
  public Option<T> range(long min, long max) {
    return range(min, "at least " + min, max);
  }

  /** As {@link #range(long, long)}, the lower bound worded as given ("0 (no adapters) or more"). */
  public Option<T> range(long min, String belowWording, long max) {
    return bounded(new Check<>(v -> {
      long x = ((Number) v).longValue();
      return x < min ? "must be " + belowWording + ", got " + v : x > max ? "must be at most " + max + ", got " + v
          : null;
    }), min + " – " + max, new Schema(min, false, max, null, null, null));
  }

  /** A finite number above zero and at most {@code max}. */
  public Option<T> positive(double max) {
    return bounded(new Check<>(v -> {
      double x = ((Number) v).doubleValue();
      return !(x > 0 && Double.isFinite(x)) ? "must be a positive number, got " + v
          : x > max ? "must be at most " + max + ", got " + v : null;
    }), "> 0, ≤ " + shownNumber(max), new Schema(0, true, max, null, null, null));
  }

  /** A finite number of zero or more, at most {@code max}. */
  public Option<T> nonNegative(double max) {
    return bounded(new Check<>(v -> {
      double x = ((Number) v).doubleValue();
      return !(x >= 0 && Double.isFinite(x)) ? "must be zero or more, got " + v
          : x > max ? "must be at most " + max + ", got " + v : null;
    }), "0 – " + shownNumber(max), new Schema(0, false, max, null, null, null));
  }

  /** A ratio: 0 to 1 inclusive. */
  public Option<T> ratio() {
    return bounded(new Check<>(v -> {
      double x = ((Number) v).doubleValue();
      return !(x >= 0 && x <= 1) ? "must be between 0 and 1, got " + v : null;
    }), "0 – 1", new Schema(0, false, 1, null, null, null));
  }

  /** A number above {@code min} (exclusive) and at most {@code max}. */
  public Option<T> above(double min, double max) {
    return bounded(new Check<>(v -> {
      double x = ((Number) v).doubleValue();
      return !(x > min && x <= max) ? "must be more than " + shownNumber(min) + " and at most " + shownNumber(max)
          + ", got " + v : null;
    }), "> " + shownNumber(min) + ", ≤ " + shownNumber(max), new Schema(min, true, max, null, null, null));
  }

  /**
   * One of {@code choices} (case-sensitive); {@code aliases} are accepted too but not advertised. {@code hint}
   * may add a sentence for a particular wrong value (null: none).
   */
  public Option<T> oneOf(List<String> choices, List<String> aliases, Function<String, String> hint) {
    String listed = choices.size() == 1 ? choices.get(0)
        : String.join(", ", choices.subList(0, choices.size() - 1)) + " or " + choices.get(choices.size() - 1);
    return bounded(new Check<>(v -> {
      String s = (String) v;
      if (choices.contains(s) || aliases.contains(s)) {
        return null;
      }
      String extra = hint == null ? null : hint.apply(s);
      return "must be " + listed + ", got '" + s + "'" + (extra == null ? "" : " (" + extra + ")");
    }), String.join(", ", choices), new Schema(null, false, null, choices, null, null));
  }

  public Option<T> oneOf(String... choices) {
    return oneOf(List.of(choices), List.of(), null);
  }

  /**
   * A check of its own: {@code problem} says what is wrong with a value ("has a control character ..."), or null;
   * {@code allowed} documents it.
   */
  public Option<T> rejecting(Function<T, String> problem, String allowed) {
    return bounded(new Check<>(problem), allowed, schema);
  }

  /** Text of at most {@code max} characters. */
  public Option<T> maxLength(int max) {
    return bounded(new Check<>(v -> ((String) v).length() > max
        ? "must be at most " + max + " characters, got " + ((String) v).length() : null),
        "at most " + max + " characters", new Schema(null, false, null, null, max, null));
  }

  /**
   * A list of 1 to {@code maxItems} distinct values of {@code min} to {@code max}, worded with {@code item}
   * ("relearn_k must list at least one k").
   */
  public Option<T> distinctValues(String item, long min, long max, int maxItems) {
    return bounded(new Check<>(v -> {
      List<?> list = (List<?>) v;
      if (list.isEmpty()) {
        return "must list at least one " + item;
      }
      if (list.size() > maxItems) {
        return "must list at most " + maxItems + " values, got " + list.size();
      }
      if (list.stream().anyMatch(x -> x == null || ((Number) x).longValue() < min || ((Number) x).longValue() > max)) {
        return "values must be " + min + " – " + max + ", got " + list;
      }
      if (list.stream().distinct().count() < list.size()) {
        return "lists a value twice: " + list;
      }
      return null;
    }), "1 – " + maxItems + " distinct values of " + min + " – " + max,
        new Schema(min, false, max, null, null, maxItems));
  }

  /** A bound on the resolved value that needs the model: at most {@code limit} ({@code what}, e.g. "layers"). */
  public Option<T> atMostForModel(ToIntFunction<ModelFacts> limit, String what) {
    return with(c -> {
      c.modelBound = new ModelBound(limit, what);
      c.allowedText = allowedText + ", at most " + what;
    });
  }

  /** Documents the allowed values where no declared bound does (free text, booleans with a condition). */
  public Option<T> allowed(String text) {
    return with(c -> c.allowedText = text);
  }

  public String name() {
    return name;
  }

  public Type type() {
    return type;
  }

  public String help() {
    return help;
  }

  public String group() {
    return group;
  }

  /** How the default is chosen, for people: "5", "round(9/32 · L), at least 1", "none". */
  public String defaultText() {
    return defaultText;
  }

  /** The allowed values, for people: "1 – 1000", "adamw, adafactor, sgd"; empty where anything of the type goes. */
  public String allowedText() {
    return allowedText;
  }

  public Schema schema() {
    return schema;
  }

  /** A request to the runner (e.g. {@code fit}), not a setting of the run. */
  public boolean isRequestOnly() {
    return request;
  }

  /** The command-line flag: the wire name in kebab-case, or the declared negated flag. */
  public String flag() {
    return negatedFlag != null ? negatedFlag : "--" + name.replace('_', '-');
  }

  /** Whether the flag sets this boolean option to false ({@code --no-entrapment}). */
  public boolean negated() {
    return negatedFlag != null;
  }

  /** The problem with a value of the right type, whatever the model, or null. */
  String problem(T value) {
    for (Check<T> c : checks) {
      String p = c.problem().apply(value);
      if (p != null) {
        return name + " " + p;
      }
    }
    return null;
  }

  /** The problem with a resolved value on this model, or null. */
  String modelProblem(T value, ModelFacts model) {
    if (modelBound == null || value == null) {
      return null;
    }
    int limit = modelBound.limit().applyAsInt(model);
    return ((Number) value).longValue() > limit
        ? name + " must be at most " + limit + " (" + modelBound.what() + "), got " + value : null;
  }

  T resolve(T given, Resolution r) {
    if (requiredFlag != null && !Boolean.TRUE.equals(r.get(requiredFlag))) {
      return null;
    }
    return resolver.apply(given, r);
  }

  /** The problem with a value given while the flag it tunes is off, or null. */
  String requirementProblem(T given, OptionValues values) {
    if (requiredFlag == null || given == null || Boolean.FALSE.equals(given)
        || Boolean.TRUE.equals(values.get(requiredFlag))) {
      return null;
    }
    return name + " is set but " + requiredFlag.name() + " is not true: set " + requiredFlag.name() + " to "
        + requiredFor;
  }

  /**
   * A raw value (JSON-like: Integer, Long, Double, Boolean, String, List) as this option's type, or an
   * {@link IllegalArgumentException} naming what was expected.
   */
  @SuppressWarnings("unchecked")
  T convert(Object raw) {
    Objects.requireNonNull(raw);
    Object v = switch (type) {
      case INTEGER, LONG -> integral(raw);
      case NUMBER -> raw instanceof Number n && !(raw instanceof java.math.BigInteger) ? n.doubleValue() : fail(raw);
      case BOOLEAN -> raw instanceof Boolean ? raw : fail(raw);
      case TEXT -> raw instanceof String ? raw : fail(raw);
      case INTEGER_LIST -> {
        if (!(raw instanceof List<?> list)) {
          yield fail(raw);
        }
        List<Integer> out = new ArrayList<>();
        for (Object x : list) {
          Long l = x == null ? null : integral(x);
          out.add(l == null ? null : l > Integer.MAX_VALUE || l < Integer.MIN_VALUE ? fail(raw) : l.intValue());
        }
        yield java.util.Collections.unmodifiableList(out);
      }
    };
    if (type == Type.INTEGER) {
      long l = (Long) v;
      // out of int's range: the bound's own message says what is allowed ("must be at most 1000, got 10^12")
      if (l > Integer.MAX_VALUE || l < Integer.MIN_VALUE) {
        String p = problem((T) (Object) (l > 0 ? Integer.MAX_VALUE : Integer.MIN_VALUE));
        throw new IllegalArgumentException(p != null ? p.replace("got " + (l > 0 ? Integer.MAX_VALUE
            : Integer.MIN_VALUE), "got " + l) : name + " must be a 32-bit integer, got " + l);
      }
      return (T) (Integer) (int) l;
    }
    return (T) v;
  }

  private Long integral(Object raw) {
    if (raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte) {
      return ((Number) raw).longValue();
    }
    if (raw instanceof java.math.BigInteger b && b.bitLength() < 64) {
      return b.longValue();
    }
    if (raw instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p63) {
      return d.longValue();
    }
    return fail(raw);
  }

  private <X> X fail(Object raw) {
    String expected = switch (type) {
      case INTEGER, LONG -> "an integer";
      case NUMBER -> "a number";
      case BOOLEAN -> "true or false";
      case TEXT -> "a string";
      case INTEGER_LIST -> "a list of integers";
    };
    String got = raw instanceof String s ? "\"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\""
        : raw instanceof List<?> || raw instanceof java.util.Map<?, ?> ? raw.getClass().getSimpleName()
            .toLowerCase(Locale.ROOT).contains("map") ? "an object" : "a list" : String.valueOf(raw);
    throw new IllegalArgumentException(name + " must be " + expected + ", got " + got);
  }

  private static String shown(Object value) {
    return value instanceof Double d ? shownNumber(d) : String.valueOf(value);
  }

  /** 5, 0.05, 1e-4: as people write them. */
  static String shownNumber(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    java.math.BigDecimal b = new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros();
    if (Math.abs(d) >= 1e-2) {
      return b.toPlainString();
    }
    String digits = b.unscaledValue().abs().toString();
    int exponent = digits.length() - 1 - b.scale();
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return (d < 0 ? "-" : "") + mantissa + "e" + exponent;
  }

  @Override
  public String toString() {
    return name;
  }
}
