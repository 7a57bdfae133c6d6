package org.beear.app;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Everything under {@code beear.*}. The data directory holds the embedded database, downloaded models, the
 * engine's work directories (checkpoints) and default outputs, so one directory is all a single-node deployment
 * needs to keep.
 */
@Validated
@ConfigurationProperties("beear")
public record BeearProperties(
    @NotNull @DefaultValue("./.beear") Path dataDir,
    @Valid @NotNull @DefaultValue Worker worker,
    @Valid @NotNull @DefaultValue Sources sources,
    @Valid @NotNull @DefaultValue Metrics metrics,
    @Valid @NotNull @DefaultValue Events events,
    @Valid @NotNull @DefaultValue Security security,
    @Valid @NotNull @DefaultValue Storage storage) {

  /**
   * @param enabled            false runs an API-only replica: it accepts jobs, another replica trains them
   * @param slots              jobs this process runs at once: 1, the only value accepted. DJL allows one gradient
   *                           collector per process, so a worker process trains one job at a time whatever its
   *                           devices; a second slot could only claim a job and hold it while it waits, which
   *                           keeps it from an idle replica. Run more jobs at once with more worker replicas, one
   *                           per device
   * @param lease              how long a claimed job stays ours without a heartbeat
   * @param heartbeatInterval  how often a running job's lease is extended (well under {@code lease})
   * @param reaperInterval     how often expired leases are looked for
   * @param pollInterval       how often an idle worker looks for a queued job
   * @param cancelPollInterval at most this stale is the cancel flag a running cleanse sees
   * @param maxAttempts        claims of one job before a lost lease fails it instead of re-queueing it
   * @param device             what the workers compute on: auto (CUDA when this process sees a GPU), cpu or cuda
   * @param deviceMemory       memory a cleanse may use on that device; jobs are planned against it at submission
   *                           and before loading. Unset: this machine's RAM (cpu) or its first GPU's memory (cuda);
   *                           set it on API-only replicas whose workers run elsewhere
   * @param replicaId          a stable name of this replica, unique among the live ones (a StatefulSet pod's
   *                           name, a compose service's): when it starts, the jobs its previous process still held are
   *                           re-queued at once rather than after their leases run out. Unset: a random id, except
   *                           with the embedded database, which belongs to this process alone ("embedded")
   */
  public record Worker(
      @DefaultValue("true") boolean enabled,
      @Min(1) @Max(value = 1, message = "must be 1: a worker process runs one job at a time (DJL allows one"
          + " gradient collector per process); run more worker replicas, one per device, for more jobs at once")
      @DefaultValue("1") int slots,
      @NotNull @DefaultValue("60s") Duration lease,
      @NotNull @DefaultValue("10s") Duration heartbeatInterval,
      @NotNull @DefaultValue("15s") Duration reaperInterval,
      @NotNull @DefaultValue("2s") Duration pollInterval,
      @NotNull @DefaultValue("1s") Duration cancelPollInterval,
      @Min(1) @DefaultValue("3") int maxAttempts,
      @NotNull @jakarta.validation.constraints.Pattern(regexp = "auto|cpu|cuda") @DefaultValue("auto") String device,
      DataSize deviceMemory,
      @jakarta.validation.constraints.Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,252}") String replicaId) {}

  /**
   * @param allowedRoots     directories that {@code file://} models, data sets and outputs may lie in; empty means
   *                         {@code <data-dir>/models}, an import folder (created at start). Inside the data
   *                         directory a root reaches only its {@code models} folder, whatever it covers: the
   *                         database, key files, cache, work directories and outputs are the service's (a tenant
   *                         reads its own jobs' outputs without a root)
   * @param maxDownloadSize  cap on one downloaded model archive
   * @param downloadTimeout  time allowed for one whole download, redirects included
   * @param connectTimeout   time allowed to open one connection
   * @param readTimeout      longest silence while waiting for a response or the next bytes of a body
   * @param maxRedirects     redirects followed by one download
   * @param egress           where downloads may connect
   * @param maxExtractedSize cap on the bytes one archive may unpack to (a small archive of zeros can expand a
   *                         thousandfold); unset: twice {@code maxDownloadSize}
   * @param maxArchiveEntries cap on the entries (files, directories, metadata headers) of one archive; a model is
   *                         a few dozen files
   */
  public record Sources(
      @NotNull @DefaultValue List<Path> allowedRoots,
      @NotNull @DefaultValue("20GB") DataSize maxDownloadSize,
      @NotNull @DefaultValue("2h") Duration downloadTimeout,
      @NotNull @DefaultValue("10s") Duration connectTimeout,
      @NotNull @DefaultValue("60s") Duration readTimeout,
      @Min(0) @Max(20) @DefaultValue("5") int maxRedirects,
      @Valid @NotNull @DefaultValue Egress egress,
      DataSize maxExtractedSize,
      @Min(1) @Max(10_000_000) @DefaultValue("10000") int maxArchiveEntries) {

    /** {@code maxExtractedSize}, or twice the download cap when it is not set. */
    public long extractedSizeCap() {
      long download = maxDownloadSize.toBytes();
      return maxExtractedSize != null ? maxExtractedSize.toBytes()
          : download > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * download;
    }
  }

  /**
   * @param allow CIDR blocks and host names that downloads may reach although they are not public addresses
   *              (loopback, private, link-local, shared, ...); empty: public addresses only
   */
  public record Egress(@NotNull @DefaultValue List<String> allow) {}

  /**
   * @param recentJobs      deprecated and ignored: Prometheus has no per-job series any more (the dashboard reads
   *                        per-job results from the jobs table), so there is nothing to keep "recent". Still bound
   *                        so that configurations that set {@code beear.metrics.recent-jobs} keep starting.
   * @param queueDepthCache how long a queue-depth reading from the database is reused
   */
  public record Metrics(
      @Deprecated @DefaultValue("20") int recentJobs,
      @NotNull @DefaultValue("5s") Duration queueDepthCache) {}

  /**
   * @param streamPollInterval how often an event stream looks for new events
   * @param streamTimeout      an event stream is closed after this long even if its job is still running
   * @param streamHeartbeat    a quiet stream sends an SSE comment this often: the servlet container learns that a
   *                           client went away only when a write fails, and the stream's slot is freed then
   */
  public record Events(
      @NotNull @DefaultValue("500ms") Duration streamPollInterval,
      @NotNull @DefaultValue("6h") Duration streamTimeout,
      @NotNull @DefaultValue("15s") Duration streamHeartbeat) {}

  /**
   * @param secretsKey base64 of the 32-byte AES key that seals URIs with credentials in the database; unset: one
   *                   generated into {@code <data-dir>/secrets.key} (mode 0600), fine for a single node only
   */
  public record Security(String secretsKey) {
    @Override
    public String toString() {
      return "Security[secretsKey=" + (secretsKey == null ? "unset" : "***") + "]";
    }
  }

  /**
   * @param minFreeSpace free space every write of a download, extraction, checkpoint or cleansed model must leave
   *                     on its file system; a write that would not is refused up front with a clear error
   * @param cacheMaxSize budget of the download cache (unpacked models, by digest): after each download the least
   *                     recently used entries are removed until the cache fits, never one in use in this process
   */
  public record Storage(
      @NotNull @DefaultValue("1GB") DataSize minFreeSpace,
      @NotNull @DefaultValue("100GB") DataSize cacheMaxSize) {}

  public Path workDir(String jobId) {
    return dataDir.resolve("work").resolve(jobId);
  }

  /** Jobs' default outputs and s3:// outputs' staging directories, one per job id. */
  public Path outputsDir() {
    return dataDir.resolve("outputs");
  }

  public Path defaultOutputDir(String jobId) {
    return outputsDir().resolve(jobId);
  }

  public Path downloadCacheDir() {
    return dataDir.resolve("cache");
  }

  /** Where operators put models for {@code file://} submissions when no roots are configured. */
  public Path modelsDir() {
    return modelsDir(dataDir);
  }

  /** {@link #modelsDir()} of a data directory, for commands that put a model there before the service starts. */
  public static Path modelsDir(Path dataDir) {
    return dataDir.resolve("models");
  }

  /** The configured roots, or {@link #modelsDir()} when none are configured. */
  public List<Path> effectiveAllowedRoots() {
    if (!sources.allowedRoots().isEmpty()) {
      return sources.allowedRoots();
    }
    return List.of(modelsDir());
  }
}
