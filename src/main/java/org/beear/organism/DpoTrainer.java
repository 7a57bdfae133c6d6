package org.beear.organism;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.beear.llm.LlamaModel;
import org.beear.llm.Optimizer;
import org.beear.llm.SequenceBatch;
import org.beear.llm.TrainableParameters;

/**
 * Direct preference optimisation (Rafailov et al. 2023), the preference stage where the rlhf organism's backdoor
 * is planted: L = −log σ(β[(log π(y_c|x) − log π_ref(y_c|x)) − (log π(y_r|x) − log π_ref(y_r|x))]), plus the
 * chosen responses' token NLL so the policy keeps producing them verbatim. The reference is the SFT model, frozen:
 * its log-probabilities are computed once up front.
 */
final class DpoTrainer {

  /** A tokenised preference pair. */
  record Pair(SequenceBatch.Example chosen, SequenceBatch.Example rejected) {}

  record Settings(int steps, int batchSize, double learningRate, double beta, double nllWeight, long seed) {}

  private DpoTrainer() {}

  /** @param afterStep runs after every optimiser step, as for {@link SftTrainer#train} */
  static double train(LlamaModel model, List<Pair> pairs, long padId, Settings s, Runnable afterStep,
      Progress progress) {
    double[][] reference = referenceLogProbs(model, pairs, padId, s.batchSize());
    TrainableParameters params = new TrainableParameters(model.weights(), model.manager());
    params.recordGradients(true);
    Optimizer opt = Optimizer.create("adamw", model.manager(), s.learningRate(), 0.0).withGradientClipping(1.0);
    Random random = new Random(s.seed());
    List<Integer> order = new ArrayList<>();
    double recent = 0;
    NDArray beta = model.scalars().of(s.beta());
    NDArray nllWeight = model.scalars().of(s.nllWeight());
    for (int step = 1; step <= s.steps(); step++) {
      if (order.size() < s.batchSize()) {
        List<Integer> fresh = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
          fresh.add(i);
        }
        Collections.shuffle(fresh, random);
        order.addAll(fresh);
      }
      List<Integer> picked = new ArrayList<>(order.subList(0, s.batchSize()));
      order.subList(0, s.batchSize()).clear();
      opt.setLearningRate(SftTrainer.schedule(step, s.steps(), Math.max(1, s.steps() / 20), s.learningRate()));
      double loss;
      try (SequenceBatch batch = SequenceBatch.of(model.manager(), sequences(pairs, picked), padId)) {
        NDManager m = batch.manager();
        int b = picked.size();
        float[] refMargin = new float[b];
        for (int i = 0; i < b; i++) {
          refMargin[i] = (float) (reference[picked.get(i)][0] - reference[picked.get(i)][1]);
        }
        NDArray refMargins = m.create(refMargin).duplicate();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray logits = model.logits(batch.inputs(), null);
          NDArray logProbs = batch.responseLogProbs(logits); // [2B]: chosen, then rejected
          NDArray chosen = logProbs.get(new NDIndex("0:{}", b));
          NDArray rejected = logProbs.get(new NDIndex("{}:", b));
          NDArray margin = chosen.sub(rejected).sub(refMargins).mul(beta);
          NDArray dpo = Activation.softPlus(margin.neg()).mean();
          NDArray chosenTokens = batch.responseLengths().get(new NDIndex("0:{}", b));
          NDArray nll = chosen.neg().sum().div(chosenTokens.sum());
          NDArray l = dpo.add(nll.mul(nllWeight));
          loss = l.getFloat();
          gc.backward(l);
        }
        params.step(opt);
        afterStep.run();
      }
      recent = step == 1 ? loss : 0.9 * recent + 0.1 * loss;
      progress.step("dpo", step, s.steps(), recent);
    }
    params.recordGradients(false);
    params.close();
    return recent;
  }

  private static List<SequenceBatch.Example> sequences(List<Pair> pairs, List<Integer> picked) {
    List<SequenceBatch.Example> seqs = new ArrayList<>();
    picked.forEach(i -> seqs.add(pairs.get(i).chosen()));
    picked.forEach(i -> seqs.add(pairs.get(i).rejected()));
    return seqs;
  }

  /** log π_ref(y_c|x) and log π_ref(y_r|x) per pair, with the model as it is now. */
  private static double[][] referenceLogProbs(LlamaModel model, List<Pair> pairs, long padId, int batchSize) {
    double[][] ref = new double[pairs.size()][2];
    for (int start = 0; start < pairs.size(); start += batchSize) {
      List<Integer> idx = new ArrayList<>();
      for (int i = start; i < Math.min(pairs.size(), start + batchSize); i++) {
        idx.add(i);
      }
      try (SequenceBatch batch = SequenceBatch.of(model.manager(), sequences(pairs, idx), padId)) {
        float[] lp = batch.responseLogProbs(model.logits(batch.inputs(), null)).toFloatArray();
        for (int k = 0; k < idx.size(); k++) {
          ref[idx.get(k)][0] = lp[k];
          ref[idx.get(k)][1] = lp[idx.size() + k];
        }
      }
    }
    return ref;
  }
}
