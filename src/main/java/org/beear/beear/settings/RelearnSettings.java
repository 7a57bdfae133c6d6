package org.beear.beear.settings;

import java.util.List;

/**
 * How the relearning check fine-tunes (options {@code relearn_k}, {@code relearn_steps},
 * {@code relearn_learning_rate}).
 *
 * @param sizes        k: how many unwanted pairs each fine-tune sees (each from a fresh copy of the model)
 * @param steps        optimiser steps per fine-tune, each on all k pairs
 * @param learningRate the rate of those steps (matrices wider than {@code learning_rate_width} scaled as in a
 *                     cleanse)
 */
public record RelearnSettings(List<Integer> sizes, int steps, double learningRate) {
  public RelearnSettings {
    sizes = List.copyOf(sizes);
  }
}
