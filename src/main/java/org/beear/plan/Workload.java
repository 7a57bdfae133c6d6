package org.beear.plan;

import org.beear.llm.Optimizer;

/**
 * What one cleanse will compute, as far as memory is concerned: the planner's input, taken from a cleanse's
 * settings. Sequences are planned at their maximum length.
 *
 * @param computeDtype         float32 or float16
 * @param batchSize            harmful pairs per round (entrapment runs 2× as many sequences, removal as many)
 * @param anchorBatchSize      anchoring sequences per removal step
 * @param microBatchSize       sequences per forward/backward pass
 * @param maxSequenceLength    tokens per sequence
 * @param anchorLayer          l (1-based): entrapment runs layers l+1..L per inner step
 * @param trainableFrom        first trained decoder layer (1-based)
 * @param trainableTo          last trained decoder layer
 * @param optimizer            of the trained parameters
 * @param adapterRank          0: the layers' weights train; r: LoRA adapters of rank r on their projections
 * @param recomputeActivations removal keeps one layer's activations at a time
 * @param entrapment           false for the control run (no δ)
 * @param evalBatchSize        prompts per generation batch
 * @param evalMaxNewTokens     tokens generated per prompt
 */
public record Workload(
    String computeDtype,
    int batchSize,
    int anchorBatchSize,
    int microBatchSize,
    int maxSequenceLength,
    int anchorLayer,
    int trainableFrom,
    int trainableTo,
    Optimizer.Kind optimizer,
    int adapterRank,
    boolean recomputeActivations,
    boolean entrapment,
    int evalBatchSize,
    int evalMaxNewTokens) {

  /** Bytes per element in the compute dtype. */
  int elementBytes() {
    return computeDtype.equals("float16") ? 2 : 4;
  }

  boolean halfPrecision() {
    return computeDtype.equals("float16");
  }

  public Workload withMicroBatch(int micro) {
    return new Workload(computeDtype, batchSize, anchorBatchSize, micro, maxSequenceLength, anchorLayer,
        trainableFrom, trainableTo, optimizer, adapterRank, recomputeActivations, entrapment, evalBatchSize,
        evalMaxNewTokens);
  }

  public Workload withRecompute(boolean recompute) {
    return new Workload(computeDtype, batchSize, anchorBatchSize, microBatchSize, maxSequenceLength, anchorLayer,
        trainableFrom, trainableTo, optimizer, adapterRank, recompute, entrapment, evalBatchSize,
        evalMaxNewTokens);
  }

  public Workload withEvalBatch(int evalBatch) {
    return new Workload(computeDtype, batchSize, anchorBatchSize, microBatchSize, maxSequenceLength, anchorLayer,
        trainableFrom, trainableTo, optimizer, adapterRank, recomputeActivations, entrapment, evalBatch,
        evalMaxNewTokens);
  }

  public Workload withTraining(Optimizer.Kind kind, int rank, int from, int to) {
    return new Workload(computeDtype, batchSize, anchorBatchSize, microBatchSize, maxSequenceLength, anchorLayer,
        from, to, kind, rank, recomputeActivations, entrapment, evalBatchSize, evalMaxNewTokens);
  }
}
