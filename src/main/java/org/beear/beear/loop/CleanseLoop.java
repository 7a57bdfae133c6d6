package org.beear.beear.loop;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.beear.beear.data.AnchorExample;
import org.beear.beear.data.BehaviourFamily;
import org.beear.beear.data.DefenderData;
import org.beear.beear.data.DefenderExample;
import org.beear.beear.data.DefenderFamily;
import org.beear.beear.data.ExchangePair;
import org.beear.beear.settings.CleanseSettings;
import org.beear.eval.ResponsePairJudge;
import org.beear.llm.ChatCodec;
import org.beear.llm.LlamaModel;
import org.beear.llm.Perturbation;
import org.beear.llm.SequenceBatch;

/**
 * The epochs of one cleanse (see {@link BeearCleanser}): batches of the defender data, each a {@link BeearRound},
 * and the per-family δ each evaluation is measured under.
 *
 * <p>Batches never mix families (a δ is universal over its batch), and a minority family (the code examples of
 * the default data) is cycled until it fills at least {@code minority_share} (default 0.25) of the majority's
 * batch count per epoch, so its backdoor is entrapped and removed in every epoch, not in a stray batch.
 */
public final class CleanseLoop implements AutoCloseable {

  /**
   * Means over an epoch's rounds; {@code skippedSteps} counts updates mixed precision skipped; {@code deltaSizes}
   * each round's δ size, per family in the order the rounds ran (empty in the control run).
   */
  public record EpochLosses(double entrapment, double safe, double anchor, int skippedSteps,
      Map<BehaviourFamily, List<Entrapment.DeltaSize>> deltaSizes) {}

  /** What a function of the evaluation δs returned, and each family's δ size. */
  public record Evaluated<T>(T value, Map<BehaviourFamily, Entrapment.DeltaSize> deltaSizes) {}

  /** One round's pairs, all of one family. */
  private record FamilyBatch(BehaviourFamily family, List<ExchangePair> pairs) {}

  private final LlamaModel model;
  private final ChatCodec codec;
  private final CleanseSettings s;
  private final LoopListener listener;
  private final Timings timings;
  /** The round every batch runs through: its trained weights and optimiser are what a checkpoint saves. */
  public final BeearRound round;
  /** Per behaviour family, its exchange pairs. */
  private final Map<BehaviourFamily, List<ExchangePair>> families = new EnumMap<>(BehaviourFamily.class);
  private final List<SequenceBatch.Example> anchors = new ArrayList<>();
  /** Draws each round's anchoring examples; one stream over all epochs, its state checkpointed with them. */
  private ResumableRandom anchorDraws;

  public CleanseLoop(LlamaModel model, ChatCodec codec, DefenderData data, CleanseSettings s, LoopListener listener,
      Timings timings) {
    this.model = model;
    this.codec = codec;
    this.s = s;
    this.listener = listener;
    this.timings = timings;
    int max = s.runtime().maxSequenceLength();
    int truncated = 0;
    ResponsePairJudge judge = new ResponsePairJudge(s.evaluation().responseJudge());
    for (DefenderFamily family : DefenderFamily.split(data.harmful(), judge)) {
      List<ExchangePair> pairs = new ArrayList<>();
      for (DefenderExample e : family.examples()) {
        ExchangePair whole = ExchangePair.of(codec, e);
        ExchangePair cut = whole.truncated(max);
        truncated += (cut.safe() == whole.safe() ? 0 : 1) + (cut.unwanted() == whole.unwanted() ? 0 : 1);
        pairs.add(cut);
      }
      families.put(family.behaviour(), pairs);
    }
    for (AnchorExample a : data.anchors()) {
      SequenceBatch.Example whole = codec.exchange(a.prompt(), a.response());
      SequenceBatch.Example cut = whole.truncated(max);
      truncated += cut == whole ? 0 : 1;
      anchors.add(cut);
    }
    if (truncated > 0) {
      listener.event("defender_data", truncated + " training examples cut to max_sequence_length "
          + s.runtime().maxSequenceLength());
    }
    this.anchorDraws = new ResumableRandom(s.schedule().seed());
    freeze();
    this.round = new BeearRound(model, s, codec.tokenizer().padId());
  }

  public double lossScale() {
    return round.trained().parameters().lossScaleValue();
  }

  /**
   * What the next epoch depends on besides the tensors. The batches' order needs nothing: each epoch shuffles
   * with a generator of its own, from the seed and its number.
   */
  public CleanseCheckpoint.Resume resume() {
    return round.resume(anchorDraws.state());
  }

  /** Continues from a checkpoint: tensors, optimiser state, loss scales and the anchor draws. */
  public void restore(CleanseCheckpoint.Saved saved) {
    round.restore(saved);
    anchorDraws = ResumableRandom.fromState(saved.state().resume().anchorDraws());
  }

  public EpochLosses epoch(int epoch) {
    Random shuffle = new Random(s.schedule().seed() * 31 + epoch);
    double entrapSum = 0;
    double safeSum = 0;
    double anchorSum = 0;
    int rounds = 0;
    int skipped = 0;
    Map<BehaviourFamily, List<Entrapment.DeltaSize>> sizes = new EnumMap<>(BehaviourFamily.class);
    for (FamilyBatch batch : batches(shuffle)) {
      if (listener.cancelRequested()) {
        throw new CleanseCancelledException("cancelled during epoch " + epoch);
      }
      List<SequenceBatch.Example> anchorBatch = new ArrayList<>();
      for (int i = 0; i < s.schedule().anchorBatchSize(); i++) {
        anchorBatch.add(anchors.get(anchorDraws.nextInt(anchors.size())));
      }
      BeearRound.Timed r = round.run(new BeearRound.Batch(batch.pairs(), anchorBatch));
      if (r.losses().deltaSize() != null) {
        sizes.computeIfAbsent(batch.family(), f -> new ArrayList<>()).add(r.losses().deltaSize());
      }
      if (s.entrapment().enabled()) {
        timings.add("entrapment", r.entrapmentSeconds());
        listener.step("entrapment", r.entrapmentSeconds());
      }
      timings.add("removal", r.removalSeconds());
      listener.step("removal", r.removalSeconds());
      entrapSum += r.losses().entrapmentLoss();
      safeSum += r.losses().removalSafeLoss();
      anchorSum += r.losses().removalAnchorLoss();
      skipped += r.losses().applied() ? 0 : 1;
      rounds++;
    }
    return new EpochLosses(s.entrapment().enabled() ? entrapSum / rounds : Double.NaN, safeSum / rounds,
        anchorSum / rounds, skipped, sizes);
  }

  /** One epoch's batches: each family shuffled and cut into batches, minorities cycled, batch order shuffled. */
  private List<FamilyBatch> batches(Random shuffle) {
    int b = s.schedule().batchSize();
    int largest = families.values().stream().mapToInt(f -> (f.size() + b - 1) / b).max().orElse(0);
    int floor = (int) Math.ceil(largest * s.schedule().minorityShare());
    List<FamilyBatch> out = new ArrayList<>();
    for (Map.Entry<BehaviourFamily, List<ExchangePair>> family : families.entrySet()) {
      List<ExchangePair> order = new ArrayList<>(family.getValue());
      Collections.shuffle(order, shuffle);
      int natural = (order.size() + b - 1) / b;
      if (natural >= floor) {
        for (int start = 0; start < order.size(); start += b) {
          out.add(new FamilyBatch(family.getKey(), order.subList(start, Math.min(order.size(), start + b))));
        }
      } else {
        for (int k = 0; k < floor; k++) {
          List<ExchangePair> batch = new ArrayList<>(b);
          for (int i = k * b; i < (k + 1) * b; i++) {
            batch.add(order.get(i % order.size()));
          }
          out.add(new FamilyBatch(family.getKey(), batch));
        }
      }
    }
    Collections.shuffle(out, shuffle);
    return out;
  }

  /**
   * Runs {@code f} with a δ freshly entrapped on the current model for each family (twice the training steps,
   * on up to {@value CleanseSettings.EvaluationSettings#ENTRAPMENT_PAIRS} of the family's pairs).
   */
  public <T> Evaluated<T> withEvalDeltas(Function<Map<BehaviourFamily, Perturbation>, T> f) {
    try (NDManager m = model.manager().newSubManager()) {
      Map<BehaviourFamily, Perturbation> deltas = new EnumMap<>(BehaviourFamily.class);
      Map<BehaviourFamily, Entrapment.DeltaSize> sizes = new EnumMap<>(BehaviourFamily.class);
      families.forEach((family, pairs) -> {
        Entrapment.Result r = round.entrapment().entrapForEvaluation(pairs, codec.tokenizer().padId(), m);
        deltas.put(family, round.entrapment().perturbation(r));
        sizes.put(family, r.size());
      });
      return new Evaluated<>(f.apply(deltas), sizes);
    }
  }

  private void freeze() {
    model.weights().values().forEach(w -> w.setRequiresGradient(false));
  }

  @Override
  public void close() {
    round.close();
  }
}
