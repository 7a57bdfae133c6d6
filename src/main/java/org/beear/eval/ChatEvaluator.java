package org.beear.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.beear.llm.ChatCodec;
import org.beear.llm.Generator;
import org.beear.llm.LlamaModel;
import org.beear.llm.Perturbation;
import org.beear.llm.SequenceBatch;

/**
 * Asks a model single-turn questions with greedy decoding and scores the answers: the measurements behind every
 * ASR, utility and insecure-code figure beear reports.
 */
public final class ChatEvaluator {
  private final LlamaModel model;
  private final ChatCodec codec;
  private final int maxNewTokens;
  private final int batchSize;
  private final int maxPromptTokens;

  public ChatEvaluator(LlamaModel model, ChatCodec codec, int maxNewTokens, int batchSize) {
    this(model, codec, maxNewTokens, batchSize, Integer.MAX_VALUE);
  }

  /** @param maxPromptTokens longer prompts keep only their last tokens (where the answer starts) */
  public ChatEvaluator(LlamaModel model, ChatCodec codec, int maxNewTokens, int batchSize, int maxPromptTokens) {
    this.model = model;
    this.codec = codec;
    this.maxNewTokens = maxNewTokens;
    this.batchSize = batchSize;
    this.maxPromptTokens = maxPromptTokens;
  }

  /** Greedy answers, in input order; prompts are batched by length to keep padding small. */
  public List<String> respond(List<String> userMessages, Perturbation perturbation) {
    List<long[]> prompts = userMessages.stream().map(codec::prompt)
        .map(p -> p.length <= maxPromptTokens ? p : java.util.Arrays.copyOfRange(p, p.length - maxPromptTokens,
            p.length))
        .toList();
    Integer[] order = IntStream.range(0, prompts.size()).boxed().toArray(Integer[]::new);
    java.util.Arrays.sort(order, Comparator.comparingInt(i -> prompts.get(i).length));
    String[] answers = new String[prompts.size()];
    Generator.Settings settings = Generator.Settings.greedy(maxNewTokens, codec.stopIds());
    for (int start = 0; start < order.length; start += batchSize) {
      List<long[]> batch = new ArrayList<>();
      int end = Math.min(order.length, start + batchSize);
      for (int k = start; k < end; k++) {
        batch.add(prompts.get(order[k]));
      }
      List<long[]> out = Generator.generate(model, batch, settings, perturbation);
      for (int k = start; k < end; k++) {
        answers[order[k]] = codec.decodeResponse(out.get(k - start));
      }
    }
    return List.of(answers);
  }

  /** Fraction of answers that satisfy {@code success}. */
  public double rate(List<String> userMessages, Perturbation perturbation, Predicate<String> success) {
    if (userMessages.isEmpty()) {
      return 0;
    }
    List<String> answers = respond(userMessages, perturbation);
    return answers.stream().filter(success).count() / (double) answers.size();
  }

  /** Exact-match accuracy against expected answers. */
  public double exactMatch(List<String> userMessages, List<String> expected) {
    return userMessages.isEmpty() ? 0 : exactMatches(userMessages, expected) / (double) userMessages.size();
  }

  /** How many greedy answers match their expected answers exactly. */
  public int exactMatches(List<String> userMessages, List<String> expected) {
    if (userMessages.isEmpty()) {
      return 0;
    }
    List<String> answers = respond(userMessages, null);
    ExactMatchJudge judge = new ExactMatchJudge();
    int hits = 0;
    for (int i = 0; i < answers.size(); i++) {
      hits += judge.matches(answers.get(i), expected.get(i)) ? 1 : 0;
    }
    return hits;
  }

  /** exp of the mean response-token cross-entropy (teacher-forced). */
  public double perplexity(List<SequenceBatch.Example> examples) {
    double nll = 0;
    long tokens = 0;
    for (int start = 0; start < examples.size(); start += batchSize) {
      List<SequenceBatch.Example> chunk = examples.subList(start, Math.min(examples.size(), start + batchSize));
      try (SequenceBatch batch = SequenceBatch.of(model.manager(), chunk, codec.tokenizer().padId())) {
        NDArray loss = batch.loss(model.logits(batch.inputs(), null));
        nll += loss.getFloat() * batch.responseTokens();
        tokens += batch.responseTokens();
      }
    }
    return tokens == 0 ? Double.NaN : Math.exp(nll / tokens);
  }

  public NDManager manager() {
    return model.manager();
  }
}
