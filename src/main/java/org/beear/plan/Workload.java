package org.beear.plan;

import org.beear.llm.Optimizer;

/**
 * What one cleanse will compute, as far as memory is concerned: the planner's input, taken from a cleanse's
 * settings. Sequences are planned at their maximum length.
 *
 * @param computeDtype      float32 or float16
 * @param batchSize         harmful pairs per round (entrapment runs 2× as many sequences, removal as many)
 * @param anchorBatchSize   anchoring sequences per removal step
 * @param maxSequenceLength tokens per sequence
 * @param anchorLayer       l (1-based): entrapment runs layers l+1..L per inner step
 * @param entrapment        false for the control run (no δ)
 * @param evalMaxNewTokens  tokens generated per prompt
 * @param evalEntrapmentPairs pairs the δ of each perturbation-ASR measurement is entrapped on
 * @param memory            what the planner may choose: micro-batches, recomputation, the generation batch, the
 *                          optimiser, adapters, the trained layers
 */
public record Workload(
    String computeDtype,
    int batchSize,
    int anchorBatchSize,
    int maxSequenceLength,
    int anchorLayer,
    boolean entrapment,
    int evalMaxNewTokens,
    int evalEntrapmentPairs,
    MemorySettings memory) {

  /** Bytes per element in the compute dtype. */
  int elementBytes() {
    return computeDtype.equals("float16") ? 2 : 4;
  }

  boolean halfPrecision() {
    return computeDtype.equals("float16");
  }

  public Workload withMemory(MemorySettings m) {
    return new Workload(computeDtype, batchSize, anchorBatchSize, maxSequenceLength, anchorLayer, entrapment,
        evalMaxNewTokens, evalEntrapmentPairs, m);
  }

  public int microBatchSize() {
    return memory.microBatchSize();
  }

  public int trainableFrom() {
    return memory.trainableFrom();
  }

  public int trainableTo() {
    return memory.trainableTo();
  }

  public Optimizer.Kind optimizer() {
    return memory.optimizer();
  }

  public int adapterRank() {
    return memory.adapterRank();
  }

  public boolean recomputeActivations() {
    return memory.recomputeActivations();
  }

  public int evalBatchSize() {
    return memory.evalBatchSize();
  }
}
