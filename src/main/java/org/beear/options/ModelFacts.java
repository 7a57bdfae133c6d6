package org.beear.options;

/**
 * What defaults and model-dependent bounds may depend on: the model's depth and context length, and the device the
 * run goes to.
 *
 * @param layers        the model's decoder layers (L)
 * @param contextLength its {@code max_position_embeddings}
 * @param device        "cpu" or "cuda"
 */
public record ModelFacts(int layers, int contextLength, String device) {}
