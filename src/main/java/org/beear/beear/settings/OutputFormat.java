package org.beear.beear.settings;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** What a cleanse writes (the option {@code output_format}). */
public enum OutputFormat {
  /** The whole cleansed model, in the input's Hugging Face format; an adapter input merged into its base. */
  MERGED,
  /** Only what removal trained, as a PEFT LoRA adapter on the suspect model (or on an adapter input's base). */
  ADAPTER;

  /**
   * The corrective adapter's rank when output_format is adapter and adapter_rank is left out: the rank a fit
   * chooses when it turns adapters on.
   */
  public static final int DEFAULT_ADAPTER_RANK = org.beear.plan.MemoryPlanner.FITTED_ADAPTER_RANK;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static List<String> wireNames() {
    return Arrays.stream(values()).map(OutputFormat::wireName).toList();
  }

  public static OutputFormat parse(String wireName) {
    return valueOf(wireName.toUpperCase(Locale.ROOT));
  }
}
