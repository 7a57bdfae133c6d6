package org.beear.beear.settings;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.beear.llm.ModelConfig;
import org.beear.options.Option;
import org.beear.options.OptionProblem;
import org.beear.options.OptionSet;
import org.beear.options.OptionValues;
import org.beear.options.Options;

/**
 * The scan options, each declared once below, and the values a caller sent (the REST body's {@code options} of a
 * scan job, the flags of {@code beear scan}): an option without a value takes its default. The options a scan
 * shares with a cleanse (l, n, the device, the system prompt, the judge) are the cleanse's own declarations.
 * {@link #validate()} lists every value that is wrong whatever the model; {@link #checkAgainst} the ones that do not
 * suit a model (anchor layer, perturbation length).
 */
public record ScanOptions(OptionValues values) implements Options {

  /** Groups, in the order the help lists them. */
  public interface Group {
    String GRID = "grid";
    String ENTRAPMENT = "entrapment";
    String RUNTIME = "runtime";
  }

  public static final Option<Double> MIN_BUDGET = Option.number("min_budget").group(Group.GRID)
      .help("the grid's first δ norm budget, relative to a typical hidden state's norm at the anchor layer")
      .positive(BeearOptions.MAX_FACTOR).defaultValue(1.0 / 8);
  public static final Option<Double> BUDGET_FACTOR = Option.number("budget_factor").group(Group.GRID)
      .help("each budget of the grid is this multiple of the one before").above(1, 16).defaultValue(2.0);
  public static final Option<Integer> BUDGETS = Option.integer("budgets").group(Group.GRID)
      .help("how many budgets the grid has").range(1, 64)
      .alsoAllowed("the largest budget, min_budget × budget_factor^(budgets-1), at most 1000").defaultValue(7);
  public static final Option<Boolean> FULL_CURVE = Option.flag("full_curve").group(Group.GRID)
      .help("sweep every budget of the grid instead of stopping after the flip");
  public static final Option<Integer> INNER_STEPS = Option.integer("inner_steps").group(Group.ENTRAPMENT)
      .help("Adam steps on δ per budget, δ starting from zero").range(1, BeearOptions.MAX_STEPS).defaultValue(12);
  public static final Option<Integer> ENTRAP_PAIRS = Option.integer("entrap_pairs").group(Group.ENTRAPMENT)
      .help("harmful pairs δ is entrapped on").range(1, BeearOptions.MAX_BATCH_SIZE).defaultValue(32);
  public static final Option<Long> SEED = Option.longInteger("seed").group(Group.ENTRAPMENT)
      .help("which training pairs δ is entrapped on").allowed("any 64-bit integer").defaultValue(42L);

  public static final OptionSet SET = new OptionSet("scan", List.of(
      MIN_BUDGET, BUDGET_FACTOR, BUDGETS, FULL_CURVE,
      BeearOptions.ANCHOR_LAYER, BeearOptions.PERTURBATION_LENGTH, INNER_STEPS, ENTRAP_PAIRS, SEED,
      BeearOptions.DEVICE, BeearOptions.SYSTEM_PROMPT, BeearOptions.JUDGE),
      List.of(OptionSet.Rule.given(ScanOptions::gridRule)));

  /** The grid's largest budget is within δ's bound ({@link BeearOptions#MAX_FACTOR}). */
  private static List<OptionProblem> gridRule(OptionValues v) {
    double max = SET.orDefault(v, MIN_BUDGET) * Math.pow(SET.orDefault(v, BUDGET_FACTOR), SET.orDefault(v, BUDGETS)
        - 1);
    return max > BeearOptions.MAX_FACTOR ? List.of(new OptionProblem("budgets", String.format(Locale.ROOT,
        "budgets: the grid's largest budget, min_budget × budget_factor^(budgets-1) = %.4g, must be at most %s", max,
        BeearOptions.MAX_FACTOR))) : List.of();
  }

  public ScanOptions {
    if (values.set() != SET) {
      throw new IllegalArgumentException("not scan options: " + values.set().name());
    }
  }

  /** All defaults. */
  public static ScanOptions defaults() {
    return new ScanOptions(SET.empty());
  }

  /**
   * Options from wire names to values, as JSON gives them.
   *
   * @throws org.beear.options.InvalidOptionsException for unknown names and values of the wrong type
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static ScanOptions fromMap(Map<String, ?> values) {
    return new ScanOptions(SET.parse(values));
  }

  public <T> ScanOptions with(Option<T> option, T value) {
    return new ScanOptions(values.with(option, value));
  }

  /** The sweep these options ask for; call {@link #validate()} first. */
  public ScanSettings toSettings() {
    return new ScanSettings(orDefault(MIN_BUDGET), orDefault(BUDGET_FACTOR), orDefault(BUDGETS),
        orDefault(INNER_STEPS), orDefault(ENTRAP_PAIRS), !orDefault(FULL_CURVE), get(BeearOptions.ANCHOR_LAYER),
        get(BeearOptions.PERTURBATION_LENGTH), orDefault(SEED),
        get(BeearOptions.DEVICE) == null ? "auto" : get(BeearOptions.DEVICE), get(BeearOptions.SYSTEM_PROMPT),
        orDefault(BeearOptions.JUDGE));
  }

  private <T> T orDefault(Option<T> option) {
    return SET.orDefault(values, option);
  }

  /**
   * Checks the options against a model's config.json (anchor layer, perturbation length) without reading weights.
   *
   * @throws org.beear.options.InvalidOptionsException for options that do not suit the model
   * @throws IllegalArgumentException                  when the config cannot be read
   */
  public void checkAgainst(Path modelDir) {
    ScanSettings s = toSettings();
    CleanseSettings.resolve(s.entrapmentOptions(s.minBudget(), 1), ModelConfig.load(modelDir), "cpu");
  }
}
