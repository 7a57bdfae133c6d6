package org.beear.options;

/** What a default is derived from: the model, the device, and other options' resolved values. */
public interface Resolution {

  /** Another option's resolved value (given, or its own default). */
  <T> T get(Option<T> option);

  ModelFacts model();
}
