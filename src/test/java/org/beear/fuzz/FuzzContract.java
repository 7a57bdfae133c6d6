package org.beear.fuzz;

import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.InvalidPathException;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.regex.PatternSyntaxException;

/**
 * The contract every fuzz target checks: a parser fed arbitrary bytes either returns or throws one of its
 * documented exception types with a message. Anything else escaping it (NullPointerException,
 * ArrayIndexOutOfBoundsException, ClassCastException, StackOverflowError, OutOfMemoryError, ...) is rethrown,
 * which Jazzer reports as a finding.
 */
public final class FuzzContract {

  /**
   * JDK subclasses of IllegalArgumentException that reach a caller only by accident (a string that was never
   * checked went into Long.parseLong, Path.of, Pattern.compile ...). Their messages name no file or field, so a
   * target that documents IllegalArgumentException still counts them as findings.
   */
  private static final List<Class<? extends Throwable>> ACCIDENTAL =
      List.of(NumberFormatException.class, InvalidPathException.class, PatternSyntaxException.class,
          IllegalFormatException.class, IllegalCharsetNameException.class, UnsupportedCharsetException.class);

  private FuzzContract() {}

  /** A fuzz target body; it may throw anything. */
  @FunctionalInterface
  public interface Body {
    void run() throws Throwable;
  }

  /** Runs {@code body}; an exception of one of the {@code documented} types (or subtypes) is the allowed outcome. */
  @SafeVarargs
  public static void returnsOrThrows(Body body, Class<? extends Throwable>... documented) throws Throwable {
    try {
      body.run();
    } catch (Throwable t) {
      if (!isDocumented(t, documented)) {
        throw t;
      }
      if (t.getMessage() == null || t.getMessage().isBlank()) {
        throw new AssertionError("a documented " + t.getClass().getName() + " without a message", t);
      }
    }
  }

  @SafeVarargs
  private static boolean isDocumented(Throwable t, Class<? extends Throwable>... documented) {
    for (Class<? extends Throwable> accidental : ACCIDENTAL) {
      if (accidental.isInstance(t)) {
        return false;
      }
    }
    for (Class<? extends Throwable> type : documented) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
