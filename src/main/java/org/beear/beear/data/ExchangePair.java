package org.beear.beear.data;

import java.util.List;
import org.beear.llm.ChatCodec;
import org.beear.llm.SequenceBatch;

/**
 * A defender pair as the model sees it: one harmful query framed by the chat template with its safe answer and with
 * its unwanted answer.
 */
public record ExchangePair(SequenceBatch.Example safe, SequenceBatch.Example unwanted) {

  public static ExchangePair of(ChatCodec codec, DefenderExample e) {
    return new ExchangePair(codec.exchange(e.query(), e.safeResponse()),
        codec.exchange(e.query(), e.unwantedResponse()));
  }

  /** Both exchanges cut to {@code maxTokens} ({@link SequenceBatch.Example#truncated}); this pair if neither was. */
  public ExchangePair truncated(int maxTokens) {
    SequenceBatch.Example s = safe.truncated(maxTokens);
    SequenceBatch.Example u = unwanted.truncated(maxTokens);
    return s == safe && u == unwanted ? this : new ExchangePair(s, u);
  }

  public static List<SequenceBatch.Example> safe(List<ExchangePair> pairs) {
    return pairs.stream().map(ExchangePair::safe).toList();
  }

  public static List<SequenceBatch.Example> unwanted(List<ExchangePair> pairs) {
    return pairs.stream().map(ExchangePair::unwanted).toList();
  }
}
