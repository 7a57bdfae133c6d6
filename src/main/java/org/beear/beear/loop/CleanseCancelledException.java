package org.beear.beear.loop;

import java.util.function.BooleanSupplier;
import org.beear.llm.ChatCodec;
import org.beear.llm.text.jinja.Cancellation;

/** Thrown by a cleanse that saw {@link LoopListener#cancelRequested()}. Nothing is written to the output. */
public class CleanseCancelledException extends RuntimeException {
  public CleanseCancelledException(String message) {
    super(message);
  }

  /** A chat-template render's cancellation that stops it with this exception once {@code cancelRequested} says so. */
  public static Cancellation polling(BooleanSupplier cancelRequested) {
    return () -> {
      if (cancelRequested.getAsBoolean()) {
        throw new CleanseCancelledException(ChatCodec.RENDER_CANCELLED);
      }
    };
  }
}
