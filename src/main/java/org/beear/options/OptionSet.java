package org.beear.options;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The options of one kind of run (a cleanse, a scan), in the order people read them, with the rules that tie
 * several together. Parses raw values, checks them whatever the model ({@link #validate}) and resolves them against
 * a model into one concrete value per option ({@link #resolve}); every problem is reported at once, one per option.
 */
public final class OptionSet {

  /**
   * A rule over several options. {@code given} rules see the values as sent (defaults that need no model are at hand
   * through {@link #fixedDefault}); {@code resolved} rules see every resolved value and the model.
   */
  public static final class Rule {
    private final Function<OptionValues, List<OptionProblem>> given;
    private final BiFunction<Resolution, OptionValues, List<OptionProblem>> resolved;

    private Rule(Function<OptionValues, List<OptionProblem>> given,
        BiFunction<Resolution, OptionValues, List<OptionProblem>> resolved) {
      this.given = given;
      this.resolved = resolved;
    }

    public static Rule given(Function<OptionValues, List<OptionProblem>> check) {
      return new Rule(check, null);
    }

    public static Rule resolved(BiFunction<Resolution, OptionValues, List<OptionProblem>> check) {
      return new Rule(null, check);
    }
  }

  private final String name;
  private final List<Option<?>> options;
  private final Map<String, Option<?>> byName = new HashMap<>();
  private final List<Rule> rules;

  public OptionSet(String name, List<Option<?>> options, List<Rule> rules) {
    this.name = name;
    this.options = List.copyOf(options);
    this.rules = List.copyOf(rules);
    for (Option<?> o : options) {
      if (byName.put(o.name(), o) != null) {
        throw new IllegalArgumentException(name + " declares " + o.name() + " twice");
      }
    }
  }

  public String name() {
    return name;
  }

  public List<Option<?>> options() {
    return options;
  }

  public Optional<Option<?>> find(String wireName) {
    return Optional.ofNullable(byName.get(wireName));
  }

  void require(Option<?> option) {
    if (byName.get(option.name()) != option) {
      throw new IllegalArgumentException(option.name() + " is not an option of " + name);
    }
  }

  public OptionValues empty() {
    return new OptionValues(this, Map.of());
  }

  /**
   * Raw values by wire name (numbers, booleans, strings, lists, as JSON or a command line gives them) as typed
   * values; nulls are left out. Unknown names and values of the wrong type are all reported at once.
   *
   * @throws InvalidOptionsException listing each unknown name and wrongly typed value
   */
  public OptionValues parse(Map<String, ?> raw) {
    List<OptionProblem> problems = new ArrayList<>();
    Map<String, Object> values = new LinkedHashMap<>();
    raw.forEach((key, value) -> {
      Option<?> o = byName.get(key);
      if (o == null) {
        problems.add(new OptionProblem(key, "unknown option '" + key + "'" + suggestion(key)));
      } else if (value != null) {
        try {
          values.put(key, o.convert(value));
        } catch (IllegalArgumentException e) {
          problems.add(new OptionProblem(key, e.getMessage()));
        }
      }
    });
    if (!problems.isEmpty()) {
      throw new InvalidOptionsException(problems);
    }
    return new OptionValues(this, values);
  }

  /** " (did you mean learning_rate?)" for a name one or two edits from a declared one, else nothing. */
  private String suggestion(String unknown) {
    Option<?> best = null;
    int bestDistance = 3;
    for (Option<?> o : options) {
      int d = distance(unknown, o.name());
      if (d < bestDistance) {
        best = o;
        bestDistance = d;
      }
    }
    return best == null ? "" : " (did you mean " + best.name() + "?)";
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] t = previous;
      previous = current;
      current = t;
    }
    return previous[b.length()];
  }

  /** Every problem with the given values whatever the model: their bounds, then the rules; one per option. */
  public List<OptionProblem> validate(OptionValues given) {
    Problems problems = new Problems();
    for (Option<?> o : options) {
      problems.add(o.name(), boundProblem(o, given));
    }
    for (Rule r : rules) {
      if (r.given != null) {
        r.given.apply(given).forEach(problems::add);
      }
    }
    for (Option<?> o : options) {
      problems.add(o.name(), requirementProblem(o, given));
    }
    return problems.list;
  }

  private static <T> String boundProblem(Option<T> o, OptionValues given) {
    T v = given.get(o);
    return v == null ? null : o.problem(v);
  }

  private static <T> String requirementProblem(Option<T> o, OptionValues given) {
    return o.requirementProblem(given.get(o), given);
  }

  /**
   * The value of every option for a run on {@code model}: the given one or its default, checked against the model's
   * bounds and the rules. Request-only options ({@link Option#requestOnly()}) are left out.
   *
   * @throws InvalidOptionsException listing every problem, those that need the model included
   */
  public OptionValues resolve(OptionValues given, ModelFacts model) {
    if (given.set() != this) {
      throw new IllegalArgumentException("options of " + given.set().name() + " resolved as " + name);
    }
    Problems problems = new Problems();
    validate(given).forEach(problems::add);
    Resolver resolver = new Resolver(given, model);
    Map<String, Object> resolved = new LinkedHashMap<>();
    for (Option<?> o : options) {
      Object v = resolver.get(o);
      if (!problems.about(o.name())) {
        problems.add(o.name(), modelProblem(o, resolver));
      }
      if (!o.isRequestOnly() && v != null) {
        resolved.put(o.name(), v);
      }
    }
    for (Rule r : rules) {
      if (r.resolved != null) {
        r.resolved.apply(resolver, given).forEach(problems::add);
      }
    }
    if (!problems.list.isEmpty()) {
      throw new InvalidOptionsException(problems.list);
    }
    return new OptionValues(this, resolved);
  }

  private static <T> String modelProblem(Option<T> o, Resolver r) {
    return o.modelProblem(r.get(o), r.model());
  }

  /**
   * The default of an option whose default needs no model (a fixed value, or one that follows from other options
   * only), given these values: for rules that compare an option with another's default.
   */
  public <T> T orDefault(OptionValues given, Option<T> option) {
    return new Resolver(given, null).get(option);
  }

  /** Resolves lazily, so a default may read other options' resolved values in any order. */
  private static final class Resolver implements Resolution {
    private final OptionValues given;
    private final ModelFacts model;
    private final Map<String, Object> done = new HashMap<>();
    private final Set<String> underway = new HashSet<>();

    Resolver(OptionValues given, ModelFacts model) {
      this.given = given;
      this.model = model;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(Option<T> option) {
      if (done.containsKey(option.name())) {
        return (T) done.get(option.name());
      }
      if (!underway.add(option.name())) {
        throw new IllegalStateException("the defaults of " + underway + " depend on each other");
      }
      T v = option.resolve(given.get(option), this);
      underway.remove(option.name());
      done.put(option.name(), v);
      return v;
    }

    @Override
    public ModelFacts model() {
      if (model == null) {
        throw new IllegalStateException("a default that needs the model was asked for without one");
      }
      return model;
    }
  }

  /** Problems, one per option: the first found stands. */
  private static final class Problems {
    final List<OptionProblem> list = new ArrayList<>();

    void add(String option, String message) {
      if (message != null) {
        add(new OptionProblem(option, message));
      }
    }

    void add(OptionProblem p) {
      if (!about(p.option())) {
        list.add(p);
      }
    }

    boolean about(String option) {
      return list.stream().anyMatch(p -> p.option().equals(option));
    }
  }
}
