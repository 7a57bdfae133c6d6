package org.beear.beear.evaluation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;
import org.beear.beear.data.DefenderExample;
import org.beear.llm.ChatCodec;
import org.beear.llm.LlamaModel;
import org.beear.llm.SequenceBatch;

/** How familiar a model is with answers: the cleanse and the scan use it to decide whether to use the code pairs. */
public final class AnswerLoss {
  /**
   * Median over the default code pairs of the mean token cross-entropy (nats) of their secure answers, below which
   * a model writes that code and they are used. The median: the defender's own shell commands are new words even to
   * a model that writes this code, and should not tip the verdict.
   */
  public static final double FLUENT_MAX_LOSS = 1.0;

  private AnswerLoss() {}

  /** Whether a median answer loss ({@link #medianSafeLoss}) says the model writes such answers fluently. */
  public static boolean writesFluently(double medianLoss) {
    return medianLoss <= FLUENT_MAX_LOSS;
  }

  /** The median over {@code examples} of the mean token cross-entropy (nats) of their safe responses. */
  public static double medianSafeLoss(LlamaModel model, ChatCodec codec, List<DefenderExample> examples) {
    float[] losses; // per answer, mean token cross-entropy
    try (NDManager m = model.manager().newSubManager();
        SequenceBatch batch = SequenceBatch.of(m, examples.stream()
            .map(e -> codec.exchange(e.query(), e.safeResponse())).toList(), codec.tokenizer().padId())) {
      NDArray logProbs = batch.responseLogProbs(model.logits(batch.inputs(), null)); // [B]
      losses = logProbs.neg().div(batch.responseLengths().toType(logProbs.getDataType(), false)).toFloatArray();
    }
    Arrays.sort(losses);
    return losses[losses.length / 2];
  }

  /** The mean token cross-entropy (nats) of the examples' responses, all tokens weighted alike, without δ. */
  public static double meanLoss(LlamaModel model, List<SequenceBatch.Example> examples, long padId) {
    try (NDManager m = model.manager().newSubManager();
        SequenceBatch batch = SequenceBatch.of(m, examples, padId)) {
      return batch.loss(model.logits(batch.inputs(), null)).getFloat();
    }
  }
}
