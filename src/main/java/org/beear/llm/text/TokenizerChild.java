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
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running {@link TokenizerProcess} for one tokenizer.json, seen from its parent: requests one at a time, each
 * under a timeout. When the child ends in the middle of one (the library aborted it), or the watchdog kills it for
 * taking too long, the request throws an IllegalArgumentException that says which, and so does every request after.
 */
final class TokenizerChild {

  private static final Logger log = LoggerFactory.getLogger(TokenizerChild.class);

  /** How long a child may take to start and load a tokenizer, and, unless told otherwise, to answer a request. */
  static final Duration TIMEOUT = Duration.ofMinutes(2);
  /**
   * A small heap (the largest published tokenizer.json files are tens of MB; the library's own memory is native),
   * a quick start, and no core dump or hs_err file where the service runs when the library aborts.
   */
  static final List<String> JVM_OPTIONS = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError", "-XX:-CreateCoredumpOnCrash",
      "-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + "/beear-tokenizer-hs_err_pid%p.log",
      "-Djava.awt.headless=true", "-Dlogback.configurationFile=logback-cli.xml");

  /** Watchdogs, idle stops, and the kill of a child that did not end when told. */
  static final ScheduledExecutorService WATCH = watch();

  private final Process process;
  private final DataOutputStream out;
  private final DataInputStream in;
  private final Duration requestTimeout;
  private final OutputTail stderr;
  private volatile boolean timedOut;
  /** Whether the child has said it runs (its greeting): before, an end is the JVM's failure to start, not the model's. */
  private boolean greeted;
  /** Why this child cannot be used any more (it crashed, hung or broke the protocol); null while it can. */
  private volatile String failure;

  private TokenizerChild(Process process, Duration requestTimeout) {
    this.process = process;
    this.out = new DataOutputStream(new BufferedOutputStream(process.getOutputStream()));
    this.in = new DataInputStream(new BufferedInputStream(process.getInputStream()));
    this.requestTimeout = requestTimeout;
    this.stderr = OutputTail.drain(process.getErrorStream(), "tokenizer-process-" + process.pid() + "-stderr");
  }

  static TokenizerChild start(String tokenizerJson, Duration requestTimeout) {
    long started = System.nanoTime();
    ProcessBuilder builder = new ProcessBuilder(ChildJvm.command(TokenizerProcess.class, JVM_OPTIONS));
    ChildJvm.environment(builder.environment());
    TokenizerChild child;
    try {
      child = new TokenizerChild(builder.start(), requestTimeout);
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
      child.greeted = true;
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

  long pid() {
    return process.pid();
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
      throw ended(doing, limit, e);
    } finally {
      watchdog.cancel(false);
    }
  }

  private void timeOut() {
    timedOut = true;
    process.destroyForcibly();
  }

  /**
   * Why the exchange broke off, as the exception to throw: the watchdog stopped the child, or it ended (the library
   * crashed: the model's fault, an IllegalArgumentException), or it never started (a JVM that cannot start: not the
   * model's fault). The library's panic message goes to the log, not into the job's error: it may quote the file.
   */
  private RuntimeException ended(String doing, Duration limit, IOException cause) {
    String what = TokenizerFiles.TOKENIZER_JSON + ": the tokenizers library ";
    if (timedOut) {
      failure = what + "did not finish " + doing + " within "
          + (limit.toMillis() % 1000 == 0 ? limit.toSeconds() + " s" : limit.toMillis() + " ms") + " and was stopped";
      return new IllegalArgumentException(failure, cause);
    }
    int exit = exitValue();
    log.warn("the tokenizer process {} ended while {} (exit {}); the end of its output:\n{}", process.pid(), doing,
        exit, stderr.text());
    if (!greeted) {
      failure = "the JVM for the model's tokenizer did not start (exit " + exit + "; its output is in the log)";
      return new IllegalStateException(failure, cause);
    }
    failure = what + "crashed while " + doing + " (exit " + exit + "); the model's tokenizer cannot be used";
    return new IllegalArgumentException(failure, cause);
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
}
