package org.beear.llm.text;

/**
 * A chat template could not be found, did not compile, refused the conversation (its {@code raise_exception(...)},
 * e.g. Llama 2's "Conversation roles must alternate ..."), or ran past a sandbox limit while rendering. The
 * template comes with the model, so this is bad input: an {@link IllegalArgumentException}, with a one-line
 * message.
 */
public class ChatTemplateException extends IllegalArgumentException {

  private final boolean limitReached;

  public ChatTemplateException(String message) {
    this(message, null, false);
  }

  public ChatTemplateException(String message, Throwable cause) {
    this(message, cause, false);
  }

  ChatTemplateException(String message, Throwable cause, boolean limitReached) {
    super(message, cause);
    this.limitReached = limitReached;
  }

  /** Whether the render was stopped by a sandbox limit (steps, time, size, nesting), not refused or malformed. */
  public boolean limitReached() {
    return limitReached;
  }
}
