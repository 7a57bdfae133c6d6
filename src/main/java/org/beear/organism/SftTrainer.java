package org.beear.organism;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.beear.llm.LlamaModel;
import org.beear.llm.Optimizer;
import org.beear.llm.SequenceBatch;
import org.beear.llm.TrainableParameters;

/**
 * Supervised fine-tuning on (prompt, response) pairs: AdamW, linear warm-up then cosine decay, gradient clipping,
 * loss on response tokens only.
 */
final class SftTrainer {

  record Settings(int steps, int batchSize, double peakLearningRate, long seed) {}

  private SftTrainer() {}

  /**
   * @param afterStep runs after every optimiser step (puts back weights that must not train, such as
   *                  {@link MassiveActivations})
   * @return the mean loss over the last 20 steps
   */
  static double train(LlamaModel model, List<SequenceBatch.Example> data, long padId, Settings s,
      Runnable afterStep, Progress progress) {
    TrainableParameters params = new TrainableParameters(model.weights(), model.manager());
    params.recordGradients(true);
    Optimizer opt = Optimizer.create("adamw", model.manager(), s.peakLearningRate(), 0.01)
        .withGradientClipping(1.0);
    Batches batches = new Batches(data, s.batchSize(), new Random(s.seed()));
    int warmup = Math.max(1, s.steps() / 20);
    double recent = 0;
    List<Double> window = new ArrayList<>();
    for (int step = 1; step <= s.steps(); step++) {
      opt.setLearningRate(schedule(step, s.steps(), warmup, s.peakLearningRate()));
      double loss;
      try (SequenceBatch batch = SequenceBatch.of(model.manager(), batches.next(), padId)) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray l = batch.loss(model.logits(batch.inputs(), null));
          loss = l.getFloat();
          gc.backward(l);
        }
        params.step(opt);
        afterStep.run();
      }
      window.add(loss);
      if (window.size() > 20) {
        window.remove(0);
      }
      recent = window.stream().mapToDouble(Double::doubleValue).average().orElse(loss);
      progress.step("sft", step, s.steps(), recent);
    }
    params.recordGradients(false);
    params.close();
    return recent;
  }

  static double schedule(int step, int total, int warmup, double peak) {
    if (step <= warmup) {
      return peak * step / warmup;
    }
    double t = (step - warmup) / (double) Math.max(1, total - warmup);
    return peak * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * t)));
  }

  /**
   * Endless shuffled batches; each batch is drawn from a pool of similar-length examples so padding stays small.
   */
  static final class Batches {
    private final List<SequenceBatch.Example> data;
    private final int size;
    private final Random random;
    private final List<List<SequenceBatch.Example>> queue = new ArrayList<>();

    Batches(List<SequenceBatch.Example> data, int size, Random random) {
      this.data = data;
      this.size = Math.min(size, data.size());
      this.random = random;
    }

    List<SequenceBatch.Example> next() {
      if (queue.isEmpty()) {
        List<SequenceBatch.Example> shuffled = new ArrayList<>(data);
        Collections.shuffle(shuffled, random);
        int chunk = size * 8;
        for (int start = 0; start < shuffled.size(); start += chunk) {
          List<SequenceBatch.Example> pool =
              new ArrayList<>(shuffled.subList(start, Math.min(shuffled.size(), start + chunk)));
          pool.sort(Comparator.comparingInt(SequenceBatch.Example::length));
          for (int b = 0; b + size <= pool.size(); b += size) {
            queue.add(pool.subList(b, b + size));
          }
        }
        Collections.shuffle(queue, random);
      }
      return queue.remove(queue.size() - 1);
    }
  }
}
