package org.beear.beear.loop;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.beear.beear.data.ExchangePair;
import org.beear.beear.settings.CleanseSettings;
import org.beear.llm.LlamaModel;
import org.beear.llm.Optimizer;
import org.beear.llm.Perturbation;
import org.beear.llm.SequenceBatch;

/**
 * One round of BEEAR's bi-level loop on one batch: entrap a universal δ on the batch's unwanted and safe responses
 * (model frozen), then take one removal step on the trained parameters under it. The cleanse runs its epochs out
 * of these rounds and {@code bench beear} times them, so the benchmark measures what a job runs.
 */
public final class BeearRound implements AutoCloseable {
  /**
   * One round's figures.
   *
   * @param entrapmentLoss    the entrapment objective at its last inner step (NaN in the control run)
   * @param removalSafeLoss   CE(safe | x, δ*) before the update
   * @param removalAnchorLoss CE(anchor | x) before the update
   * @param applied           false when mixed precision skipped the update for a non-finite gradient
   * @param deltaSize         δ*'s size against the hidden states at layer l (null in the control run)
   */
  record Losses(double entrapmentLoss, double removalSafeLoss, double removalAnchorLoss, boolean applied,
      Entrapment.DeltaSize deltaSize) {}

  /** Losses and the seconds each level took. */
  record Timed(Losses losses, double entrapmentSeconds, double removalSeconds) {}

  /** One batch: the unwanted and safe responses to the same prompts, and the anchoring examples. */
  record Batch(List<ExchangePair> pairs, List<SequenceBatch.Example> anchors) {
    List<SequenceBatch.Example> unwanted() {
      return ExchangePair.unwanted(pairs);
    }

    List<SequenceBatch.Example> safe() {
      return ExchangePair.safe(pairs);
    }
  }

  private final LlamaModel model;
  private final CleanseSettings settings;
  private final Entrapment entrapment;
  private final TrainedWeights trained;
  private final Optimizer optimizer;
  private final Removal removal;
  private final long padId;

  BeearRound(LlamaModel model, CleanseSettings settings, long padId) {
    this.model = model;
    this.settings = settings;
    this.padId = padId;
    this.entrapment = new Entrapment(model, settings);
    this.trained = TrainedWeights.attach(model, settings);
    this.optimizer = Optimizer.create(settings.memory().optimizer(), model.manager(), settings.removal().learningRate(),
        settings.removal().weightDecay()).withGradientClipping(1.0).withRateScales(trained.rateScales());
    this.removal = new Removal(model, settings, trained.parameters(), optimizer, padId);
  }

  public TrainedWeights trained() {
    return trained;
  }

  public Entrapment entrapment() {
    return entrapment;
  }

  /** Removal's optimiser: its moments and step counts are part of what an epoch checkpoint keeps. */
  public Optimizer optimizer() {
    return optimizer;
  }

  /** What the next round depends on besides the trained tensors and the optimiser's arrays. */
  CleanseCheckpoint.Resume resume(long anchorDraws) {
    return new CleanseCheckpoint.Resume(settings.memory().optimizer().wireName(), optimizer.state().steps(),
        trained.parameters().scaleState(), entrapment.lossScale(), anchorDraws);
  }

  /** Continues from a checkpoint: trained tensors, optimiser state and loss scales (the anchor draws are the caller's). */
  void restore(CleanseCheckpoint.Saved saved) {
    CleanseCheckpoint.restore(saved, trained, optimizer, settings.memory().optimizer().wireName());
    CleanseCheckpoint.Resume r = saved.state().resume();
    trained.parameters().restoreScaleState(r.lossScale());
    entrapment.restoreLossScale(r.entrapmentLossScale());
  }

  Timed run(Batch batch) {
    try (NDManager round = model.manager().newSubManager()) {
      long t0 = System.nanoTime();
      Perturbation delta = null;
      double entrapmentLoss = Double.NaN;
      Entrapment.DeltaSize size = null;
      if (settings.entrapment().enabled()) {
        Entrapment.Result r = entrapment.entrap(batch.unwanted(), batch.safe(), padId, round,
            settings.entrapment().innerSteps());
        delta = entrapment.perturbation(r);
        entrapmentLoss = r.objective();
        size = r.size();
      }
      long t1 = System.nanoTime();
      Removal.Losses losses = removal.step(batch.safe(), batch.anchors(), delta, round);
      long t2 = System.nanoTime();
      return new Timed(new Losses(entrapmentLoss, losses.safe(), losses.anchor(), losses.step().applied(), size),
          (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }
  }

  @Override
  public void close() {
    trained.close();
  }
}
