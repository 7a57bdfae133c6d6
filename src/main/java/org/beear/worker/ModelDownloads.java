package org.beear.worker;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.beear.beear.loop.CleanseCancelledException;
import org.beear.net.FetchCancellation;
import org.beear.net.FetchCancelledException;
import org.beear.source.FetchedModel;

/**
 * The model downloads of one run (a cleanse's model; a scan's suspect and reference), one at a time. While one
 * runs, a watch polls the job's cancel flag every cancel-poll interval and aborts the download once the run should
 * stop (cancelled, lease lost, worker stopping): a download blocked in the network would not notice by itself.
 */
final class ModelDownloads {

  private final WorkerContext ctx;
  private final RunStop stop;
  private final Runnable pollCancelFlag;
  private volatile FetchCancellation current;

  /** @param pollCancelFlag reads the job's cancel flag and lease into {@code stop} */
  ModelDownloads(WorkerContext ctx, RunStop stop, Runnable pollCancelFlag) {
    this.ctx = ctx;
    this.stop = stop;
    this.pollCancelFlag = pollCancelFlag;
  }

  /**
   * Fetches {@code uri} (the original, unsealed) into the model cache; a {@code file://} model is checked for the
   * job's tenant.
   *
   * @throws CleanseCancelledException when the run was asked to stop during the download
   */
  FetchedModel fetch(String uri, String tenant) {
    FetchCancellation cancellation = new FetchCancellation();
    current = cancellation;
    if (stop.requested()) {
      cancellation.cancel();
    }
    long pollMillis = Math.max(1, ctx.properties().worker().cancelPollInterval().toMillis());
    ScheduledFuture<?> watch = ctx.heartbeats().scheduleAtFixedRate(() -> watch(cancellation), pollMillis,
        pollMillis, TimeUnit.MILLISECONDS);
    try {
      return ctx.sources().fetch(uri, tenant, cancellation);
    } catch (FetchCancelledException e) {
      throw new CleanseCancelledException("stopped during the model download");
    } finally {
      watch.cancel(false);
      current = null;
    }
  }

  /** Aborts the download in progress, if any. */
  void abort() {
    FetchCancellation downloading = current;
    if (downloading != null) {
      downloading.cancel();
    }
  }

  private void watch(FetchCancellation cancellation) {
    if (!stop.requested()) {
      pollCancelFlag.run();
    }
    if (stop.requested()) {
      cancellation.cancel();
    }
  }
}
