package org.beear.plan;

import org.beear.llm.Optimizer;

/**
 * The settings of a cleanse that the planner may choose (options {@code fit}), where the caller left them open:
 * they change how much memory a cleanse needs, not what it computes (micro-batches, recomputation, the generation
 * batch), or trade a little quality for memory (the optimiser, adapters, the trained layers).
 *
 * @param optimizer            of the trained parameters
 * @param trainableFrom        first trained decoder layer (1-based)
 * @param trainableTo          last trained decoder layer (inclusive)
 * @param adapterRank          0: the layers' weights train; r: LoRA adapters of rank r on their projections
 * @param microBatchSize       sequences per forward/backward pass
 * @param recomputeActivations removal keeps one layer's activations at a time
 * @param evalBatchSize        prompts per generation batch
 */
public record MemorySettings(
    Optimizer.Kind optimizer,
    int trainableFrom,
    int trainableTo,
    int adapterRank,
    int microBatchSize,
    boolean recomputeActivations,
    int evalBatchSize) {

  public boolean adapters() {
    return adapterRank > 0;
  }

  public MemorySettings withMicroBatch(int micro) {
    return new MemorySettings(optimizer, trainableFrom, trainableTo, adapterRank, micro, recomputeActivations,
        evalBatchSize);
  }

  public MemorySettings withRecompute(boolean recompute) {
    return new MemorySettings(optimizer, trainableFrom, trainableTo, adapterRank, microBatchSize, recompute,
        evalBatchSize);
  }

  public MemorySettings withEvalBatch(int evalBatch) {
    return new MemorySettings(optimizer, trainableFrom, trainableTo, adapterRank, microBatchSize,
        recomputeActivations, evalBatch);
  }

  public MemorySettings withTraining(Optimizer.Kind kind, int rank, int from, int to) {
    return new MemorySettings(kind, from, to, rank, microBatchSize, recomputeActivations, evalBatchSize);
  }
}
