package org.beear.net;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Lets another thread stop a fetch that is blocked in the network: {@link #cancel()} aborts the connection in
 * use, so the fetching thread wakes up at once instead of after its next timeout.
 */
public final class FetchCancellation {

  private volatile boolean cancelled;
  private final AtomicReference<Runnable> abortCurrent = new AtomicReference<>();

  public void cancel() {
    cancelled = true;
    Runnable abort = abortCurrent.get();
    if (abort != null) {
      abort.run();
    }
  }

  public boolean isCancelled() {
    return cancelled;
  }

  /**
   * Registers how to abort the request now in flight; a cancel that came first aborts it straight away. Public for
   * the clients outside this package (the S3 SDK's streams), which abort their own connections.
   */
  public void attach(Runnable abort) {
    abortCurrent.set(abort);
    if (cancelled) {
      abort.run();
    }
  }

  public void detach() {
    abortCurrent.set(null);
  }
}
