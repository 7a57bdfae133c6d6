package org.beear.beear.loop;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.beear.beear.data.ExchangePair;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.LlamaModel;
import org.beear.llm.SequenceBatch;

/**
 * Times the cleanse's own {@link BeearRound} on random B×T batches (prompt = first half, response = second half):
 * an entrapment of {@code inner_steps} δ steps and a removal step on what the settings train, as a job runs them.
 */
public final class BeearBenchmark implements AutoCloseable {
  private final LlamaModel model;
  private final CleanseSettings settings;
  private final BeearRound round;
  private final SplittableRandom random;
  private final int batch;
  private final int seqLen;

  /** Seconds of one round: the entrapment (all inner steps) and the removal step. */
  public record Round(double entrapmentSeconds, double removalSeconds, double safeLoss) {}

  /**
   * @param settings resolved for {@code model}; B is its batch size, the anchor batch its anchor batch size
   */
  public BeearBenchmark(LlamaModel model, CleanseSettings settings, int seqLen, long seed) {
    if (seqLen < 2 * settings.entrapment().perturbationLength()) {
      throw new IllegalArgumentException("--seq must be at least twice the perturbation length");
    }
    this.model = model;
    this.settings = settings;
    this.batch = settings.schedule().batchSize();
    this.seqLen = seqLen;
    this.random = new SplittableRandom(seed);
    model.weights().values().forEach(w -> w.setRequiresGradient(false));
    this.round = new BeearRound(model, settings, 0);
  }

  public CleanseSettings settings() {
    return settings;
  }

  public Round round() {
    List<ExchangePair> pairs = new ArrayList<>();
    List<SequenceBatch.Example> anchors = new ArrayList<>();
    for (int i = 0; i < batch; i++) {
      long[] prompt = tokens(seqLen / 2);
      SequenceBatch.Example safe = new SequenceBatch.Example(prompt, tokens(seqLen - seqLen / 2));
      pairs.add(new ExchangePair(safe, new SequenceBatch.Example(prompt, tokens(seqLen - seqLen / 2))));
    }
    for (int i = 0; i < settings.schedule().anchorBatchSize(); i++) {
      anchors.add(new SequenceBatch.Example(tokens(seqLen / 2), tokens(seqLen - seqLen / 2)));
    }
    BeearRound.Timed t = round.run(new BeearRound.Batch(pairs, anchors));
    return new Round(t.entrapmentSeconds(), t.removalSeconds(), t.losses().removalSafeLoss());
  }

  private long[] tokens(int n) {
    long[] t = new long[n];
    Arrays.setAll(t, i -> random.nextInt(model.config().vocabSize()));
    return t;
  }

  @Override
  public void close() {
    round.close();
  }
}
