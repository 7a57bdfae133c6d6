package org.beear.llm;

import org.beear.llm.text.jinja.Cancellation;

/**
 * A model in memory with the chat codec that frames its conversations, closed as one (weights and tokenizer).
 * Opened by {@link CheckedModel#open}; its weights start frozen: what trains turns its own gradients on.
 */
public final class OpenModel implements AutoCloseable {
  private final LlamaModel model;
  private final ChatCodec baseCodec;
  private final ChatCodec codec;

  OpenModel(LlamaModel model, ChatCodec baseCodec, String systemPrompt, Cancellation cancellation) {
    this.model = model;
    this.baseCodec = baseCodec;
    this.codec = baseCodec.withCancellation(cancellation).withSystemPrompt(systemPrompt);
  }

  public LlamaModel model() {
    return model;
  }

  /** The codec with the system prompt the model was opened with. */
  public ChatCodec codec() {
    return codec;
  }

  @Override
  public void close() {
    try (LlamaModel m = model; ChatCodec c = baseCodec) {
      // both closed, the codec's tokenizer first
    }
  }
}
