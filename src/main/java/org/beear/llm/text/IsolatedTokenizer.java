package org.beear.llm.text;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's tokenizer.json run by the native tokenizers library in a child JVM ({@link TokenizerProcess}) instead
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

  private static final Logger log = LoggerFactory.getLogger(IsolatedTokenizer.class);

  /** How long a child may take to start and load a tokenizer, and, unless told otherwise, to answer a request. */
  static final Duration TIMEOUT = Duration.ofMinutes(2);
  /** How long a child no tokenizer uses stays up for the next load of the same text. */
  static final Duration IDLE = Duration.ofSeconds(60);
  /**
   * A small heap (the largest published tokenizer.json files are tens of MB; the library's own memory is native),
   * a quick start, and no core dump or hs_err file where the service runs when the library aborts.
   */
  static final List<String> JVM_OPTIONS = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError", "-XX:-CreateCoredumpOnCrash",
      "-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + "/beear-tokenizer-hs_err_pid%p.log",
      "-Djava.awt.headless=true", "-Dlogback.configurationFile=logback-cli.xml");

  private static final Map<String, Shared> SHARED = new HashMap<>();
  private static final ScheduledExecutorService WATCH = watch();

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
    return open(tokenizerJson, TIMEOUT);
  }

  /** {@link #open(String)} with another limit on each request (tests); loading still has {@link #TIMEOUT}. */
  static IsolatedTokenizer open(String tokenizerJson, Duration requestTimeout) {
    String key = sha256(tokenizerJson) + "/" + requestTimeout.toMillis();
    synchronized (SHARED) {
      Shared running = SHARED.get(key);
      if (running != null && running.child.usable()) {
        return running.acquire();
      }
    }
    Child child = Child.start(tokenizerJson, requestTimeout); // seconds: not under the lock
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

  private Child child() {
    synchronized (SHARED) {
      if (closed) {
        throw new IllegalStateException("the tokenizer is closed");
      }
    }
    return shared.child;
  }

  /** Process id of the child this tokenizer runs in (tests). */
  long pid() {
    return shared.child.process.pid();
  }

  /** One child and how many open tokenizers use it; guarded by {@link #SHARED}. */
  private static final class Shared {
    final String key;
    final Child child;
    int users;
    ScheduledFuture<?> idleStop;

    Shared(String key, Child child) {
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
        idleStop = WATCH.schedule(this::stopIfIdle, IDLE.toMillis(), TimeUnit.MILLISECONDS);
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

  /** A running {@link TokenizerProcess}: requests one at a time, each under the timeout. */
  private static final class Child {
    final Process process;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final Duration requestTimeout;
    private final OutputTail stderr;
    private volatile boolean timedOut;
    /** Why this child cannot be used any more (it crashed, hung or broke the protocol); null while it can. */
    private volatile String failure;

    private Child(Process process, Duration requestTimeout) {
      this.process = process;
      this.out = new DataOutputStream(new BufferedOutputStream(process.getOutputStream()));
      this.in = new DataInputStream(new BufferedInputStream(process.getInputStream()));
      this.requestTimeout = requestTimeout;
      this.stderr = OutputTail.drain(process.getErrorStream(), "tokenizer-process-" + process.pid() + "-stderr");
    }

    static Child start(String tokenizerJson, Duration requestTimeout) {
      long started = System.nanoTime();
      ProcessBuilder builder = new ProcessBuilder(ChildJvm.command(TokenizerProcess.class, JVM_OPTIONS));
      ChildJvm.environment(builder.environment());
      Child child;
      try {
        child = new Child(builder.start(), requestTimeout);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start a JVM for the model's tokenizer: " + e.getMessage(), e);
      }
      String refused = child.call("loading it", TIMEOUT, () -> {
        TokenizerProcess.writeString(child.out, tokenizerJson);
        child.out.flush();
        int magic = child.in.readInt();
        if (magic != TokenizerProcess.MAGIC) {
          throw new ProtocolBroken("the tokenizer process answered " + Integer.toHexString(magic)
              + " instead of its greeting");
        }
        return child.in.readByte() == TokenizerProcess.OK ? null : TokenizerProcess.readString(child.in);
      });
      if (refused != null) {
        child.stop();
        throw new RuntimeException(refused); // the library's message, as it throws it in process
      }
      log.debug("tokenizer process {} started and loaded its tokenizer in {} ms", child.process.pid(),
          (System.nanoTime() - started) / 1_000_000);
      return child;
    }

    boolean usable() {
      return failure == null && process.isAlive();
    }

    long[] encode(String text, boolean addSpecialTokens) {
      return call("encoding a text", requestTimeout, () -> {
        out.writeByte(TokenizerProcess.ENCODE);
        out.writeBoolean(addSpecialTokens);
        TokenizerProcess.writeString(out, text);
        out.flush();
        requireOk();
        return TokenizerProcess.readLongs(in);
      });
    }

    String decode(long[] ids, boolean skipSpecialTokens) {
      return call("decoding token ids", requestTimeout, () -> {
        out.writeByte(TokenizerProcess.DECODE);
        out.writeBoolean(skipSpecialTokens);
        TokenizerProcess.writeLongs(out, ids);
        out.flush();
        requireOk();
        return TokenizerProcess.readString(in);
      });
    }

    /** A FAILED answer is the library's error for this request (the child carries on): thrown as it throws it. */
    private void requireOk() throws IOException {
      if (in.readByte() != TokenizerProcess.OK) {
        throw new RuntimeException(TokenizerProcess.readString(in));
      }
    }

    private interface Exchange<T> {
      T run() throws IOException;
    }

    private synchronized <T> T call(String doing, Duration limit, Exchange<T> exchange) {
      if (failure != null) {
        throw new IllegalArgumentException(failure);
      }
      ScheduledFuture<?> watchdog = WATCH.schedule(this::timeOut, limit.toMillis(), TimeUnit.MILLISECONDS);
      try {
        return exchange.run();
      } catch (ProtocolBroken e) {
        failure = e.getMessage();
        process.destroyForcibly();
        throw new IllegalStateException(failure, e);
      } catch (IOException e) {
        failure = ended(doing, limit);
        throw new IllegalArgumentException(failure, e);
      } finally {
        watchdog.cancel(false);
      }
    }

    private void timeOut() {
      timedOut = true;
      process.destroyForcibly();
    }

    /**
     * Why the exchange broke off: the child was stopped by the watchdog, or it ended (crashed). The library's panic
     * message goes to the log, not into the job's error: it may quote the file.
     */
    private String ended(String doing, Duration limit) {
      String what = TokenizerFiles.TOKENIZER_JSON + ": the tokenizers library ";
      if (timedOut) {
        return what + "did not finish " + doing + " within "
            + (limit.toMillis() % 1000 == 0 ? limit.toSeconds() + " s" : limit.toMillis() + " ms") + " and was stopped";
      }
      int exit = exitValue();
      log.warn("the tokenizer process {} ended while {} (exit {}); the end of its output:\n{}", process.pid(), doing,
          exit, stderr.text());
      return what + "crashed while " + doing + " (exit " + exit + "); the model's tokenizer cannot be used";
    }

    /** The child's exit status (128 + the signal's number for a signal), once it has gone. */
    private int exitValue() {
      try {
        if (process.waitFor(10, TimeUnit.SECONDS)) {
          return process.exitValue();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process.destroyForcibly();
      return -1;
    }

    /** Ends the child: the end of its stdin ends it; one that does not end is killed a little later. */
    void stop() {
      try {
        out.close();
      } catch (IOException e) {
        // it has gone already
      }
      WATCH.schedule(process::destroyForcibly, 10, TimeUnit.SECONDS);
    }
  }

  /** The child answered something the protocol does not allow: our bug, or a library that wrote to stdout. */
  private static final class ProtocolBroken extends IOException {
    ProtocolBroken(String message) {
      super(message);
    }
  }

  /** The last lines a child wrote to stderr (DJL's logs, a panic's message), for the log when it crashes. */
  private static final class OutputTail {
    private static final int LINES = 40;
    private static final int LINE_CHARS = 400;
    private final Deque<String> lines = new ArrayDeque<>();

    private Thread reader;

    static OutputTail drain(InputStream stream, String threadName) {
      OutputTail tail = new OutputTail();
      tail.reader = new Thread(() -> tail.read(stream), threadName);
      tail.reader.setDaemon(true);
      tail.reader.start();
      return tail;
    }

    private void read(InputStream stream) {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        for (String line; (line = reader.readLine()) != null; ) {
          synchronized (lines) {
            lines.addLast(line.length() <= LINE_CHARS ? line : line.substring(0, LINE_CHARS) + "...");
            if (lines.size() > LINES) {
              lines.removeFirst();
            }
          }
        }
      } catch (IOException e) {
        // the child has gone
      }
    }

    /** The lines so far, once the child's stderr has ended (or a second has passed). */
    String text() {
      try {
        reader.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (lines) {
        return String.join("\n", lines);
      }
    }
  }

  private static ScheduledExecutorService watch() {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "tokenizer-process-watch");
      thread.setDaemon(true);
      return thread;
    });
    executor.setRemoveOnCancelPolicy(true);
    return executor;
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
