package org.beear.llm.text;

/**
 * A chat template could not be found, did not compile, or refused the conversation (its
 * {@code raise_exception(...)}, e.g. Llama 2's "Conversation roles must alternate ...").
 */
public class ChatTemplateException extends RuntimeException {

  public ChatTemplateException(String message) {
    super(message);
  }

  public ChatTemplateException(String message, Throwable cause) {
    super(message, cause);
  }
}
