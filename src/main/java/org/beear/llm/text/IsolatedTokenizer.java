package org.beear.llm.text;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A model's tokenizer.json run by the native tokenizers library in a child JVM ({@link TokenizerChild}) instead
 * of this one. The library panics on some files and on some texts for some files, and a panic aborts the process it
 * runs in: here that is the child, and the load, encode or decode it crashed in throws an IllegalArgumentException
 * that says so, which fails the job that asked and nothing else. A child that does not answer within the timeout is
 * killed, with an IllegalArgumentException too.
 *
 * <p>Children are shared: tokenizers loaded from the same text (and timeout) use one child, which stays up for
 * {@link #IDLE} after the last of them closes, so a job that loads its model's tokenizer several times (the scan,
 * the cleanse, the relearning check) starts it once. A child only ever holds one text, so a crash ends only the
 * tokenizers of that text. A child whose parent dies reads the end of its stdin and exits.
 */
final class IsolatedTokenizer implements NativeTokenizer {

  /** How long a child no tokenizer uses stays up for the next load of the same text. */
  static final Duration IDLE = Duration.ofSeconds(60);

  private static final Map<String, Shared> SHARED = new HashMap<>();

  private final Shared shared;
  private boolean closed;

  private IsolatedTokenizer(Shared shared) {
    this.shared = shared;
  }

  /**
   * A tokenizer for {@code tokenizerJson} in a child process: a running one for the same text, or a new one.
   *
   * @throws RuntimeException          the library's own error for a tokenizer.json it cannot read
   * @throws IllegalArgumentException  the library crashed while loading it, or did not finish within the timeout
   * @throws UncheckedIOException      no child JVM could be started
   */
  static IsolatedTokenizer open(String tokenizerJson) {
    return open(tokenizerJson, TokenizerChild.TIMEOUT);
  }

  /** {@link #open(String)} with another limit on each request (tests); loading has {@link TokenizerChild#TIMEOUT}. */
  static IsolatedTokenizer open(String tokenizerJson, Duration requestTimeout) {
    String key = sha256(tokenizerJson) + "/" + requestTimeout.toMillis();
    synchronized (SHARED) {
      Shared running = SHARED.get(key);
      if (running != null && running.child.usable()) {
        return running.acquire();
      }
    }
    TokenizerChild child = TokenizerChild.start(tokenizerJson, requestTimeout); // seconds: not under the lock
    synchronized (SHARED) {
      Shared running = SHARED.get(key);
      if (running != null && running.child.usable()) { // another thread started one meanwhile
        child.stop();
        return running.acquire();
      }
      Shared started = new Shared(key, child);
      SHARED.put(key, started);
      return started.acquire();
    }
  }

  @Override
  public long[] encode(String text, boolean addSpecialTokens) {
    return child().encode(text, addSpecialTokens);
  }

  @Override
  public String decode(long[] ids, boolean skipSpecialTokens) {
    return child().decode(ids, skipSpecialTokens);
  }

  @Override
  public void close() {
    synchronized (SHARED) {
      if (!closed) {
        closed = true;
        shared.release();
      }
    }
  }

  private TokenizerChild child() {
    synchronized (SHARED) {
      if (closed) {
        throw new IllegalStateException("the tokenizer is closed");
      }
    }
    return shared.child;
  }

  /** Process id of the child this tokenizer runs in (tests). */
  long pid() {
    return shared.child.pid();
  }

  /** One child and how many open tokenizers use it; guarded by {@link #SHARED}. */
  private static final class Shared {
    final String key;
    final TokenizerChild child;
    int users;
    ScheduledFuture<?> idleStop;

    Shared(String key, TokenizerChild child) {
      this.key = key;
      this.child = child;
    }

    IsolatedTokenizer acquire() {
      users++;
      if (idleStop != null) {
        idleStop.cancel(false);
        idleStop = null;
      }
      return new IsolatedTokenizer(this);
    }

    void release() {
      if (--users > 0) {
        return;
      }
      if (child.usable()) {
        idleStop = TokenizerChild.WATCH.schedule(this::stopIfIdle, IDLE.toMillis(), TimeUnit.MILLISECONDS);
      } else {
        stopIfIdle();
      }
    }

    void stopIfIdle() {
      synchronized (SHARED) {
        if (users == 0) {
          SHARED.remove(key, this);
          child.stop();
        }
      }
    }
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
