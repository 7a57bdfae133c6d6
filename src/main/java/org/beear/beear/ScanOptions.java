package org.beear.beear;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.beear.llm.ModelConfig;

/**
 * The scan options as a caller sends them (the REST body's {@code options} of a scan job, the flags of
 * {@code beear scan}): every field may be null, meaning the default of {@link ScanSettings#defaults()}.
 * {@link #validate()} lists every value that is wrong whatever the model; {@link #checkAgainst} the ones that do
 * not suit a model (anchor layer, perturbation length).
 *
 * @param fullCurve          sweep every budget of the grid instead of stopping after the flip
 * @param entrapPairs        harmful pairs δ is entrapped on
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScanOptions(
    Long seed,
    String device,
    String systemPrompt,
    Boolean fullCurve,
    Double minBudget,
    Double budgetFactor,
    Integer budgets,
    Integer innerSteps,
    Integer anchorLayer,
    Integer perturbationLength,
    Integer entrapPairs) {

  /** All defaults. */
  public static ScanOptions defaults() {
    return new ScanOptions(null, null, null, null, null, null, null, null, null, null, null);
  }

  /** Every problem with the given values, empty when they are all usable. Model-dependent bounds are not checked. */
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    BeearOptions.range(errors, "budgets", budgets, 1, 64);
    BeearOptions.range(errors, "inner_steps", innerSteps, 1, BeearOptions.MAX_STEPS);
    BeearOptions.range(errors, "anchor_layer", anchorLayer, 1, BeearOptions.MAX_LAYER_INDEX);
    BeearOptions.range(errors, "perturbation_length", perturbationLength, 1, BeearOptions.MAX_PERTURBATION_LENGTH);
    BeearOptions.range(errors, "entrap_pairs", entrapPairs, 1, BeearOptions.MAX_BATCH_SIZE);
    if (minBudget != null && !(minBudget > 0 && minBudget <= BeearOptions.MAX_FACTOR)) {
      errors.add("min_budget must be a positive number of at most " + BeearOptions.MAX_FACTOR + ", got " + minBudget);
    }
    if (budgetFactor != null && !(budgetFactor > 1 && budgetFactor <= 16)) {
      errors.add("budget_factor must be more than 1 and at most 16, got " + budgetFactor);
    }
    if (errors.isEmpty()) {
      ScanSettings s = toSettings();
      if (s.maxBudget() > BeearOptions.MAX_FACTOR) {
        errors.add(String.format(java.util.Locale.ROOT, "budgets: the grid's largest budget, min_budget × "
            + "budget_factor^(budgets-1) = %.4g, must be at most %s", s.maxBudget(), BeearOptions.MAX_FACTOR));
      }
    }
    BeearOptions.device(errors, device);
    BeearOptions.systemPrompt(errors, systemPrompt);
    return errors;
  }

  /** The sweep these options ask for; call {@link #validate()} first. */
  public ScanSettings toSettings() {
    return ScanSettings.defaults().with(seed, device, systemPrompt)
        .withStopAfterFlip(fullCurve == null || !fullCurve)
        .withGrid(minBudget, budgetFactor, budgets)
        .withEntrapment(innerSteps, entrapPairs, null)
        .withPerturbation(anchorLayer, perturbationLength);
  }

  /**
   * Checks the options against a model's config.json (anchor layer, perturbation length) without reading weights.
   *
   * @throws InvalidOptionsException  for options that do not suit the model
   * @throws IllegalArgumentException when the config cannot be read
   */
  public void checkAgainst(Path modelDir) {
    ScanSettings s = toSettings();
    CleanseSettings.resolve(s.entrapmentOptions(s.minBudget(), 1), ModelConfig.load(modelDir), "cpu");
  }
}
